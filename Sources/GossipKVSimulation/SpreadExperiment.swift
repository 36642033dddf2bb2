import GossipKVCore

/// Measurements on a fault-free simulated cluster, for the benchmarks: how many gossip rounds a
/// single write takes to reach every node, and what an idle, converged cluster sends.
///
/// By default it runs the engine alone (`membership: false`): static peers, and the engine's own
/// idle round sends the summary once per interval. That isolates anti-entropy and keeps the
/// benchmarks' 1,000-node runs cheap. With `membership: true` it runs the production
/// composition: peers come from SWIM, and the idle traffic is SWIM's probes and acks with the
/// summary on them (an "idle round" is then one probe interval).
public struct SpreadExperiment: Sendable {
    public struct Result: Sendable {
        public var nodeCount: Int
        /// Time from the write until every replica held it.
        public var millisecondsToReachAll: UInt64
        /// The same in gossip intervals.
        public var rounds: Double
        /// Estimated bytes each node sent per second once every replica was equal and idle.
        public var idleBytesPerNodePerSecond: Double
        /// The same per idle round (one summary interval, or one probe interval with membership).
        public var idleBytesPerNodePerRound: Double
    }

    public static func run(nodeCount: Int, seed: UInt64 = 1, membership: Bool = false) -> Result {
        let options = SimulationOptions.healthy(nodeCount: nodeCount, membership: membership)
        var simulation = Simulation(seed: seed, options: options)
        let key = Array("spread".utf8)
        simulation.advance(by: 100)
        let writtenAt = simulation.now
        simulation.clientPut(node: 0, key: key, value: Array("value".utf8))
        while simulation.replicasHolding(key) < nodeCount && simulation.now < writtenAt + 120_000 {
            simulation.advance(by: 1)
        }
        let reached = simulation.now - writtenAt
        // Let rounds go quiet (changes stop being recent), then measure idle traffic.
        simulation.advance(by: options.gossip.recentChangeMilliseconds + 2_000)
        let idleInterval =
            membership
            ? options.membershipConfig.probeIntervalMilliseconds
            : options.gossip.idleSummaryIntervalMilliseconds ?? 1_000
        let window: UInt64 = 10_000
        let bytesBefore = simulation.bytesSent
        simulation.advance(by: window)
        let perNodePerSecond =
            Double(simulation.bytesSent - bytesBefore) / Double(nodeCount) / (Double(window) / 1_000)
        return Result(
            nodeCount: nodeCount, millisecondsToReachAll: reached,
            rounds: Double(reached) / Double(options.gossip.gossipIntervalMilliseconds),
            idleBytesPerNodePerSecond: perNodePerSecond,
            idleBytesPerNodePerRound: perNodePerSecond * Double(idleInterval) / 1_000)
    }
}

extension Simulation {
    /// Processes every event up to `milliseconds` from now.
    public mutating func advance(by milliseconds: UInt64) {
        let until = now + milliseconds
        while let next = peekTime(), next <= until {
            step()
        }
        now = until
    }

    /// A client write outside the planned schedule (for experiments).
    public mutating func clientPut(node: Int, key: [UInt8], value: [UInt8]) {
        let physical = nodes[node].physical(at: now, start: start)
        if let entry = try? nodes[node].core.write(key, value: value, now: physical) {
            history.record(entry)
        }
        _ = afterInput(node)
    }

    /// How many replicas hold some entry for `key`.
    public func replicasHolding(_ key: [UInt8]) -> Int {
        nodes.filter { $0.engine.replica.map.entry(forKey: key) != nil }.count
    }
}
