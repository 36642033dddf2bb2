import GossipKVCore
import GossipKVSimulation
import Testing

/// No partition outlives its heal: nodes that declared each other dead find each other again
/// within seconds once datagrams flow, with no multicast (the simulator's discovery runs only at
/// start), and their replicas converge.
@Suite("membership heals in the simulator")
struct MembershipHealSimulationTests {
    /// Quiet options (only the planned faults) with `nodeCount` nodes split by `groups` from 1 s
    /// until the end of the fault phase.
    static func splitOptions(groups: [Int], faultPhase: UInt64, operations: Int, keys: Int)
        -> SimulationOptions
    {
        var options = SimulationOptions()
        options.nodeCount = groups.count
        options.networkFaults = 0
        options.restarts = 0
        options.diskLosses = 0
        options.clockExcursions = 0
        options.operationCount = operations
        options.keySpace = keys
        options.faultPhaseMilliseconds = faultPhase
        options.plannedFaults = [
            PlannedFault(atMilliseconds: 1_000, .partition(groups: groups, lastingMilliseconds: nil))
        ]
        return options
    }

    /// What each node believes of each other one.
    static func views(_ simulation: Simulation, _ count: Int) -> [Member.State?] {
        (0..<count).flatMap { observer in
            (0..<count).filter { $0 != observer }.map { simulation.membershipState(of: $0, seenBy: observer) }
        }
    }

    @Test(
        "five nodes cut into five singletons until each declared every other dead: all alive and converged within seconds of the heal"
    )
    func singletonsHeal() async {
        let count = 5
        let faultPhase: UInt64 = 60_000
        let options = Self.splitOptions(
            groups: Array(0..<count), faultPhase: faultPhase, operations: 200, keys: 100)
        let split = await BackgroundThreads.simulation(
            seed: 51, options: options, advancedBy: faultPhase - 100)
        #expect(Self.views(split, count).allSatisfy { $0 == .dead }, "\(Self.views(split, count))")
        let (simulation, report) = await BackgroundThreads.finish(split)
        #expect(report.failure == nil, "\(report)")
        #expect(Self.views(simulation, count).allSatisfy { $0 == .alive })
        let settle = report.settleMilliseconds ?? .max
        #expect(settle <= 5_000, "took \(settle) ms after the heal")
    }

    @Test(
        "two sides of three, each with many changed keys, see each other and converge within 2 s of the heal")
    func halvesConvergeFast() async {
        let faultPhase: UInt64 = 25_000
        var options = Self.splitOptions(
            groups: [0, 0, 0, 1, 1, 1], faultPhase: faultPhase, operations: 600, keys: 400)
        // No garbage collection here: on the simulator's 2.5 s grace period, nodes collect the
        // partition's tombstones at different moments while the sides merge, which moves their
        // state hashes apart again and measures collection, not the heal (the garbage
        // collection suites cover it; with it on, seeds settle within 1-5 s).
        options.gossip.collectionIntervalMilliseconds = nil
        let split = await BackgroundThreads.simulation(
            seed: 52, options: options, advancedBy: faultPhase - 100)
        let cross = (0..<3).flatMap { left in
            (3..<6).flatMap { right in
                [
                    split.membershipState(of: right, seenBy: left),
                    split.membershipState(of: left, seenBy: right),
                ]
            }
        }
        #expect(cross.allSatisfy { $0 == .dead }, "\(cross)")
        // Both sides wrote while apart: within 2 s every view is alive again and the replicas
        // hold the same, expected map.
        let healed = await BackgroundThreads.run {
            var healed = split
            healed.advance(by: 100 + 2_000)
            return healed
        }
        #expect(Self.views(healed, 6).allSatisfy { $0 == .alive })
        #expect(healed.replicasConverged)
        let (_, report) = await BackgroundThreads.finish(healed)
        #expect(report.failure == nil, "\(report)")
        #expect(report.expectedKeys > 100)
    }
}
