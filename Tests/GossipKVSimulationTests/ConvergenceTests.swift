import Foundation
import GossipKVCore
import GossipKVSimulation
import Testing

/// The convergence property: under any schedule of partitions, loss, duplication, reordering,
/// restarts and clock skew, once everything heals every replica equals the checker's expected
/// map (per key, the greatest accepted write), so no accepted write is lost and no deleted key
/// comes back; the watermark invariant holds all along. Every node runs SWIM beside the engine,
/// as the real node does, so after the heal the replicas must find their differences through the
/// summaries on probes, and every node must come to see every other alive.
///
/// `GOSSIPKV_SIM_SCHEDULES=N` runs N schedules (default 500); `GOSSIPKV_SIM_SEED=S` replays one;
/// `GOSSIPKV_SIM_MEMBERSHIP=off` runs the engine alone (static peers, its own idle round).
@Suite("convergence under faults")
struct ConvergenceTests {
    static func schedule(seed: UInt64, membership: Bool = membershipFromEnvironment) -> Simulation {
        var random = SplitMix64(seed: seed)
        var options = SimulationOptions.random(using: &random)
        options.membership = membership
        return Simulation(seed: seed, options: options)
    }

    static var membershipFromEnvironment: Bool {
        ProcessInfo.processInfo.environment["GOSSIPKV_SIM_MEMBERSHIP"] != "off"
    }

    static var seeds: [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let one = environment["GOSSIPKV_SIM_SEED"].flatMap(UInt64.init) { return [one] }
        let count = environment["GOSSIPKV_SIM_SCHEDULES"].flatMap(Int.init) ?? 500
        let base = environment["GOSSIPKV_SIM_BASE"].flatMap(UInt64.init) ?? 0x5EED
        return (0..<UInt64(count)).map { base &+ $0 }
    }

    @Test("every replica converges to the expected map after faults heal (500 random schedules)")
    func randomSchedulesConverge() async throws {
        let seeds = Self.seeds
        // CPU-bound schedules run on GCD threads, not on Swift concurrency's cooperative pool
        // (one thread per core): hogging that pool for minutes would starve every async test
        // running beside this one (nodes on sockets, timers) into spurious timeouts.
        let verbose = ProcessInfo.processInfo.environment["GOSSIPKV_SIM_VERBOSE"] != nil
        let failures = await withCheckedContinuation { (continuation: CheckedContinuation<[SimulationReport], Never>) in
            DispatchQueue.global().async {
                let failed = SimulationReports()
                DispatchQueue.concurrentPerform(iterations: seeds.count) { index in
                    var simulation = Self.schedule(seed: seeds[index])
                    let report = simulation.run()
                    if verbose { print(report) }
                    if report.failure != nil { failed.append(report) }
                }
                continuation.resume(returning: failed.sorted)
            }
        }
        for report in failures {
            Issue.record(
                "\(report)\n  replay: GOSSIPKV_SIM_SEED=\(report.seed) swift test --filter ConvergenceTests")
        }
    }

    @Test("the same seed gives the same run, bit for bit, with membership and without", arguments: [true, false])
    func sameSeedSameRun(membership: Bool) {
        for seed: UInt64 in [1, 42, 0xDEAD_BEEF] {
            var first = Self.schedule(seed: seed, membership: membership)
            var second = Self.schedule(seed: seed, membership: membership)
            let a = first.run()
            let b = second.run()
            #expect(a == b)
            #expect(a.steps > 0)
            #expect((a.membershipMessagesSent > 0) == membership)
        }
    }

    @Test("different seeds give different runs")
    func differentSeedsDiffer() {
        var first = Self.schedule(seed: 7)
        var second = Self.schedule(seed: 8)
        #expect(first.run().traceHash != second.run().traceHash)
    }
}

/// Simulation reports collected from GCD worker threads (by ConvergenceTests and
/// GarbageCollectionSimulationTests).
final class SimulationReports: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [SimulationReport] = []

    func append(_ report: SimulationReport) {
        lock.lock()
        reports.append(report)
        lock.unlock()
    }

    var sorted: [SimulationReport] {
        lock.lock()
        defer { lock.unlock() }
        return reports.sorted { $0.seed < $1.seed }
    }
}
