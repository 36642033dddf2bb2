import Foundation
import GossipKVCore
import GossipKVSimulation
import Testing

/// Garbage collection under the faults that threaten it: every schedule here has a long outage
/// (a node down, down and losing what it had not synced, or cut off alone, for longer than twice
/// the grace period plus failure detection, taking a value whose key another node deletes while
/// it is away) and a crash that loses unsynced data, beside the usual random faults. The checker
/// fails a run if a replica merges a visible value older than something it dropped for the key
/// (unless no watermark of the collector covered that value: a zombie, counted), if watermarks
/// claim a write neither held nor collected, or if the replicas do not converge.
///
/// `GOSSIPKV_GC_SCHEDULES=N` runs N schedules (default 60).
@Suite("garbage collection under long outages")
struct GarbageCollectionSimulationTests {
    static func options(seed: UInt64) -> SimulationOptions {
        var random = SplitMix64(seed: seed)
        var options = SimulationOptions.random(using: &random)
        options.longOutages = 1
        options.unsyncedLosses = 1
        // Fixed regression seeds, every node honest (liars have their own test).
        options.byzantineNodes = 0
        return options
    }

    @Test("no deleted key comes back and replicas converge when nodes return after the others collected")
    func longOutagesConverge() async {
        let count = ProcessInfo.processInfo.environment["GOSSIPKV_GC_SCHEDULES"].flatMap(UInt64.init) ?? 60
        let seeds = (0..<count).map { 0x6C00 + $0 }
        let reports = await SimulationSeeds.run(seeds) { Self.options(seed: $0) }
        for report in reports where report.failure != nil {
            Issue.record("\(report)")
        }
        // The scenario happened: entries were collected, in most runs.
        let collecting = reports.filter { $0.collectedEntries > 0 }.count
        #expect(
            collecting * 2 > reports.count, "only \(collecting) of \(reports.count) runs collected anything")
        let zombies = reports.reduce(0) { $0 + $1.zombieReturns }
        print(
            "garbage collection: \(reports.count) schedules, \(reports.reduce(0) { $0 + $1.collectedEntries }) entries collected, \(zombies) zombie returns"
        )
    }
}
