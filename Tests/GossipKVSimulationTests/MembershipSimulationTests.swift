import GossipKVCore
import GossipKVSimulation
import Testing

/// SWIM as the simulator runs it, composed with the engine as in the node: scenarios with planned
/// faults that the random schedules hit only by chance.
@Suite("membership in the simulator")
struct MembershipSimulationTests {
    static let nodeCount = 6

    /// A schedule with client writes, loss and duplication, but no random partitions, crashes
    /// or clock excursions: only the planned faults happen.
    static func quietOptions(_ faults: [PlannedFault]) -> SimulationOptions {
        var options = SimulationOptions()
        options.nodeCount = nodeCount
        options.networkFaults = 0
        options.restarts = 0
        options.diskLosses = 0
        options.clockExcursions = 0
        options.plannedFaults = faults
        return options
    }

    /// First detection within two probe periods, the suspicion timeout, and two more periods for
    /// the suspicion to reach every node by gossip.
    static var detectionBound: UInt64 {
        let config = MembershipConfig()
        let suspicion = UInt64(config.suspicionMultiplier * Double(config.probeIntervalMilliseconds))
        return suspicion + 4 * config.probeIntervalMilliseconds
    }

    @Test("a node killed for longer than detection takes is seen dead by every other node before it restarts")
    func killedNodeIsDeclaredDead() async {
        // Killed at 2 s; it stays down until the fault phase ends at 12 s.
        var options = Self.quietOptions([
            PlannedFault(atMilliseconds: 2_000, .crash(node: 3, downForMilliseconds: nil))
        ])
        options.deathDetectionBoundMilliseconds = Self.detectionBound
        #expect(options.faultPhaseMilliseconds - 2_000 > Self.detectionBound)
        let (simulation, report) = await BackgroundThreads.finish(Simulation(seed: 11, options: options))
        // The restart check passed, and once back the node was seen alive again by everyone.
        #expect(report.failure == nil, "\(report)")
        for observer in 0..<Self.nodeCount {
            for member in 0..<Self.nodeCount where member != observer {
                #expect(simulation.membershipState(of: member, seenBy: observer) == .alive)
            }
        }
    }

    @Test("the death check fails a node restarted before the others could have noticed its crash")
    func deathCheckHasTeeth() async {
        // Down for 600 ms: no one can have declared it dead, so a 500 ms bound must fail.
        var options = Self.quietOptions([
            PlannedFault(atMilliseconds: 2_000, .crash(node: 1, downForMilliseconds: 600))
        ])
        options.deathDetectionBoundMilliseconds = 500
        let (_, report) = await BackgroundThreads.finish(Simulation(seed: 12, options: options))
        #expect(report.failure?.contains("yet node") == true, "\(report)")
    }

    /// Two halves cut apart for 25 s: long enough for each side to declare the whole other side
    /// dead, even with Lifeguard slowing both sides down (their probes miss the nacks of relays
    /// across the cut, which raises local health and stretches every timeout).
    static func longPartitionOptions() -> SimulationOptions {
        let halves = PlannedFault(
            atMilliseconds: 1_000, .partition(groups: [0, 0, 0, 1, 1, 1], lastingMilliseconds: 25_000))
        var options = quietOptions([halves])
        options.faultPhaseMilliseconds = 30_000
        return options
    }

    static func crossViews(_ simulation: Simulation) -> [Member.State?] {
        (0..<3).flatMap { left in
            (3..<6).flatMap { right in
                [
                    simulation.membershipState(of: right, seenBy: left),
                    simulation.membershipState(of: left, seenBy: right),
                ]
            }
        }
    }

    @Test("the sides of a long partition declare each other dead, and SWIM brings them back after the heal")
    func longPartitionHeals() async {
        let partitioned = await BackgroundThreads.simulation(
            seed: 21, options: Self.longPartitionOptions(), advancedBy: 25_900)
        #expect(Self.crossViews(partitioned).allSatisfy { $0 == .dead })
        let (simulation, report) = await BackgroundThreads.finish(partitioned)
        #expect(report.failure == nil, "\(report)")
        #expect(Self.crossViews(simulation).allSatisfy { $0 == .alive })
    }

    @Test("without reconnect pings the healed sides stay dead to each other, and the checker reports it")
    func stuckViewsAreReported() async {
        var options = Self.longPartitionOptions()
        options.membershipConfig.reconnectIntervalMilliseconds = nil
        let (simulation, report) = await BackgroundThreads.finish(Simulation(seed: 21, options: options))
        // Nothing crosses between the sides any more: neither data nor membership settle.
        #expect(report.failure?.contains("sees node") == true, "\(report)")
        #expect(Self.crossViews(simulation).allSatisfy { $0 == .dead })
    }

    @Test("SWIM messages travel as sealed envelopes: duplicated ones meet the replay windows")
    func swimTravelsSealed() async {
        var options = Self.quietOptions([])
        options.duplicationProbability = 0.2
        let (_, report) = await BackgroundThreads.finish(Simulation(seed: 5, options: options))
        #expect(report.failure == nil, "\(report)")
        #expect(report.membershipMessagesSent > 0)
        #expect((report.rejections["replay"] ?? 0) > 0)
        #expect(report.rejections["invalid_body"] == nil)
    }

    @Test("a run without membership sends no SWIM message and still converges")
    func membershipCanBeTurnedOff() async {
        var options = Self.quietOptions([
            PlannedFault(atMilliseconds: 2_000, .crash(node: 2, downForMilliseconds: 3_000))
        ])
        options.membership = false
        let (simulation, report) = await BackgroundThreads.finish(Simulation(seed: 3, options: options))
        #expect(report.failure == nil, "\(report)")
        #expect(report.membershipMessagesSent == 0)
        #expect(simulation.membershipState(of: 1, seenBy: 0) == nil)
    }
}
