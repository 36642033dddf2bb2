import GossipKVCore

/// Replication cost of a write burst on a fault-free simulated cluster, for the benchmarks
/// (issue 12: "each write crosses each link about once"). Every figure is whole sealed
/// envelopes with the simulator's 8-byte authenticator, the same on every message.
///
/// - `run`: one node takes `writes` writes (16-byte keys, 32-byte values, `writesPerMillisecond`
///   a millisecond); every byte any node sends from the first write until the cluster is quiet
///   again, per write and per receiving node, against `sealedEntryBytes` (what one copy of a
///   write costs in a full push datagram). A ratio of 1.0 is one copy per write and receiver.
/// - `catchUp`: the last node is down (its disk lost) while the burst lands, then returns empty:
///   the bytes delivered to it until it holds everything, against the encoded size of what it
///   missed (one copy, without any envelope). With membership, so that every peer sees it
///   return, as on a real cluster.
public enum BurstExperiment {
    public struct Result: Sendable {
        public var nodeCount: Int
        public var writes: Int
        /// Bytes every node sent, per write and per receiving node (`nodeCount - 1`).
        public var bytesPerWritePerReceiver: Double
        /// `bytesPerWritePerReceiver / sealedEntryBytes`.
        public var ratioToSealedEntry: Double
        /// From the first write until every replica held every write.
        public var millisecondsToReachAll: UInt64
        /// Messages sent by kind (`Simulation.sentByKind`), for the breakdown.
        public var sentByKind: [String: Int]
    }

    public struct CatchUpResult: Sendable {
        public var nodeCount: Int
        public var missedWrites: Int
        /// Envelope bytes delivered to the returning node from its restart until it held every
        /// write and the cluster went quiet.
        public var bytesReceived: Int
        /// The encoded size of the entries it missed (one copy, no envelope).
        public var missedBytes: Int
        public var ratio: Double { missedBytes == 0 ? 0 : Double(bytesReceived) / Double(missedBytes) }
        /// From its restart until it held every write (nil: not within the budget).
        public var millisecondsToCatchUp: UInt64?
    }

    static let keyBytes = 16
    static let valueBytes = 32

    /// What one write costs in a push datagram filled with writes like it: the sealed
    /// envelope's bytes (sealed frame included) over the items it holds.
    public static func sealedEntryBytes(config: GossipConfig = GossipConfig()) -> Double {
        let item = Push.Item(
            entry: entry(0, origin: NodeID(high: 1, low: 2), at: HLCTimestamp(physical: 1)),
            previousTimestamp: .zero)
        let itemBytes = WireSize.encodedSize(of: item)
        let perDatagram = max(1, (config.pushBudgetBytes - WireSize.pushOverhead) / itemBytes)
        let envelope =
            WireSize.pushOverhead + perDatagram * itemBytes
            + WireSize.envelopeOverhead(authenticatorLength: SimulatedAuthenticator.length)
            + SimulatedAuthenticator.sealOverhead
        return Double(envelope) / Double(perDatagram)
    }

    static func entry(_ index: Int, origin: NodeID, at timestamp: HLCTimestamp) -> Entry {
        Entry(key: key(index), value: value(index), timestamp: timestamp, origin: origin, expiry: nil)
    }

    static func key(_ index: Int) -> [UInt8] {
        let digits = Array(String(index).utf8)
        return Array(repeating: UInt8(ascii: "k"), count: keyBytes - digits.count) + digits
    }

    static func value(_ index: Int) -> [UInt8] {
        let digits = Array(String(index).utf8)
        return Array(repeating: UInt8(ascii: "v"), count: valueBytes - digits.count) + digits
    }

    static func options(nodeCount: Int, membership: Bool) -> SimulationOptions {
        var options = SimulationOptions.healthy(nodeCount: nodeCount, membership: membership)
        // No garbage: nothing is deleted, and a collection scan of 100k keys every 250 ms
        // would only slow the run.
        options.gossip.collectionIntervalMilliseconds = nil
        return options
    }

    /// Writes `count` entries at `node`, `perMillisecond` a millisecond (keys from `first`).
    static func burst(_ simulation: inout Simulation, node: Int, first: Int, count: Int, perMillisecond: Int)
    {
        var written = 0
        while written < count {
            for _ in 0..<min(perMillisecond, count - written) {
                simulation.clientPut(node: node, key: key(first + written), value: value(first + written))
                written += 1
            }
            simulation.advance(by: 1)
        }
    }

    /// Advances until every up node holds at least `entries` entries; false after `budget` ms.
    static func advanceUntilAllHold(_ simulation: inout Simulation, entries: Int, budget: UInt64) -> Bool {
        let deadline = simulation.now + budget
        while simulation.now < deadline {
            if simulation.upReplicaSizes().allSatisfy({ $0 >= entries }) { return true }
            simulation.advance(by: 10)
        }
        return false
    }

    public static func run(nodeCount: Int, writes: Int, writesPerMillisecond: Int = 50, seed: UInt64 = 1)
        -> Result
    {
        let options = options(nodeCount: nodeCount, membership: false)
        var simulation = Simulation(seed: seed, options: options)
        simulation.advance(by: 100)
        let bytesBefore = simulation.bytesSent
        let kindsBefore = simulation.sentByKind
        let startedAt = simulation.now
        burst(&simulation, node: 0, first: 0, count: writes, perMillisecond: writesPerMillisecond)
        _ = advanceUntilAllHold(&simulation, entries: writes, budget: 600_000)
        let reached = simulation.now - startedAt
        // Until changes stop being recent and the rounds they keep going are over.
        simulation.advance(by: options.gossip.recentChangeMilliseconds + 2_000)
        let perWrite =
            Double(simulation.bytesSent - bytesBefore) / Double(writes) / Double(max(1, nodeCount - 1))
        var kinds = simulation.sentByKind
        for (kind, count) in kindsBefore { kinds[kind, default: 0] -= count }
        return Result(
            nodeCount: nodeCount, writes: writes, bytesPerWritePerReceiver: perWrite,
            ratioToSealedEntry: perWrite / sealedEntryBytes(config: options.gossip),
            millisecondsToReachAll: reached,
            sentByKind: kinds.filter { $0.value > 0 })
    }

    public static func catchUp(nodeCount: Int, writes: Int, writesPerMillisecond: Int = 50, seed: UInt64 = 1)
        -> CatchUpResult
    {
        let options = options(nodeCount: nodeCount, membership: true)
        var simulation = Simulation(seed: seed, options: options)
        simulation.advance(by: 3_000)
        let returning = nodeCount - 1
        simulation.crashForExperiment(returning)
        burst(&simulation, node: 0, first: 0, count: writes, perMillisecond: writesPerMillisecond)
        // Every running node holds the burst and has declared the returning node dead.
        _ = advanceUntilAllHold(&simulation, entries: writes, budget: 600_000)
        simulation.advance(by: 15_000)
        let missedBytes = (0..<writes).reduce(0) { total, index in
            total + WireSize.encodedSize(of: entry(index, origin: NodeID(high: 0, low: 0), at: .zero))
        }
        let receivedBefore = simulation.bytesReceivedByNode[returning]
        let restartedAt = simulation.now
        _ = simulation.restart(returning, loseDisk: true)
        var caughtUpAt: UInt64?
        if advanceUntilAllHold(&simulation, entries: writes, budget: 120_000) {
            caughtUpAt = simulation.now - restartedAt
        }
        simulation.advance(by: 3_000)
        return CatchUpResult(
            nodeCount: nodeCount, missedWrites: writes,
            bytesReceived: simulation.bytesReceivedByNode[returning] - receivedBefore,
            missedBytes: missedBytes,
            millisecondsToCatchUp: caughtUpAt)
    }
}

extension Simulation {
    /// The entry count of every replica that is up.
    func upReplicaSizes() -> [Int] {
        nodes.filter(\.isUp).map { $0.engine.replica.map.count }
    }

    /// Takes `node` down now, as a crash fault does, whatever the fault phase.
    mutating func crashForExperiment(_ node: Int) {
        nodes[node].isUp = false
        nodes[node].generation += 1
        nodes[node].queuedTickAt = .max
        nodes[node].crashedAt = now
    }
}
