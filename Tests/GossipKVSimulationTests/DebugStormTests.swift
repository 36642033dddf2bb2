import Foundation
import GossipKVCore
import GossipKVSimulation
import Testing

@Suite("debug storm")
struct DebugStormTests {
    @Test("storm", .enabled(if: ProcessInfo.processInfo.environment["DEBUG_STORM"] != nil))
    func storm() {
        let seed = UInt64(ProcessInfo.processInfo.environment["DEBUG_STORM"] ?? "0") ?? 0
        var sim = ConvergenceTests.schedule(seed: seed)
        let report = sim.run()
        print(report)
        print(report.lies.sorted { $0.value > $1.value })
        print(sim.sentByKind.sorted { $0.value > $1.value })
        print(report.rejections.sorted { $0.value > $1.value })
    }
}
