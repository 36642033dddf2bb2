import GossipKVCore
import GossipKVRESP
import NIOConcurrencyHelpers

/// A `RESPBackend` over one real `Replica` (real LWW semantics and HLC) with a manual clock, so
/// expiry tests move time instead of sleeping. `applyRemote` stands in for gossip.
actor ReplicaBackend: RESPBackend {
    static let start: UInt64 = 1_700_000_000_000

    private var replica: Replica
    private(set) var physical: UInt64
    private let subscribers = NIOLockedValueBox<[Int: AsyncStream<Entry>.Continuation]>([:])
    private let nextSubscriber = NIOLockedValueBox(0)

    init(
        id: NodeID = NodeID(high: 0xA, low: 1), limits: Limits = .standard,
        physical: UInt64 = ReplicaBackend.start
    ) {
        self.replica = Replica(id: id, limits: limits)
        self.physical = physical
    }

    func advance(milliseconds: UInt64) { physical += milliseconds }

    /// A replicated entry arriving from a peer.
    func applyRemote(_ entry: Entry) {
        if case .success(let outcome) = replica.applyRemote(entry, physical: physical), outcome != .unchanged
        {
            publish(entry)
        }
    }

    func get(_ key: [UInt8]) -> [UInt8]? { replica.get(key, physical: physical) }

    func entry(_ key: [UInt8]) -> Entry? { replica.map.entry(forKey: key) }

    func readTime() -> HLCTimestamp { replica.readTime(physical: physical) }

    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) throws -> Entry {
        let entry = try replica.write(key, value: value, expiry: expiry, physical: physical).entry
        publish(entry)
        return entry
    }

    func delete(_ key: [UInt8]) throws -> Entry {
        let entry = try replica.write(key, value: nil, physical: physical).entry
        publish(entry)
        return entry
    }

    func keys() -> [[UInt8]] {
        let now = readTime()
        return replica.map.sortedEntries().filter { $0.visibleValue(at: now) != nil }.map(\.key)
    }

    func clusterInfo() -> RESPClusterInfo {
        RESPClusterInfo(
            nodeID: replica.id.description, nodeName: "test-node", hlc: replica.clock.last,
            stateHash: replica.map.stateHash,
            members: [
                RESPMember(
                    nodeID: replica.id.description, name: "test-node", address: "127.0.0.1:7101",
                    state: "alive", isSelf: true),
                RESPMember(
                    nodeID: "00000000000000bb", name: "peer", address: "127.0.0.1:7102", state: "suspect",
                    lagEntries: 3,
                    lagMilliseconds: 120),
            ],
            extraFields: [RESPInfoField("gossip_rounds", "7")])
    }

    nonisolated func changes() -> AsyncStream<Entry> {
        let (stream, continuation) = AsyncStream<Entry>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = nextSubscriber.withLockedValue { value in
            value += 1
            return value
        }
        subscribers.withLockedValue { $0[id] = continuation }
        continuation.onTermination = { [subscribers] _ in
            subscribers.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    nonisolated var subscriberCount: Int { subscribers.withLockedValue { $0.count } }

    private func publish(_ entry: Entry) {
        for continuation in subscribers.withLockedValue({ Array($0.values) }) { continuation.yield(entry) }
    }
}
