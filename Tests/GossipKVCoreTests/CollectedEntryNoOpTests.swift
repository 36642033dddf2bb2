import GossipKVCore
import Testing

/// A dead entry past the grace period, for a key the replica holds nothing for, under a
/// watermark of its own that covers it, is a no-op (`Replica.applyRemote`): collected entries
/// stop bouncing between replicas that collect at different moments.
@Suite("collected entries coming back")
struct CollectedEntryNoOpTests {
    static let origin = NodeID(high: 2, low: 0)
    static let now: UInt64 = 1_764_000_100_000
    static let grace: UInt64 = 1_000

    static func tombstone(_ key: String, at physical: UInt64) -> Entry {
        Entry(key: Array(key.utf8), value: nil, timestamp: HLCTimestamp(physical: physical), origin: origin)
    }

    static func replica(coveringUpTo physical: UInt64) -> Replica {
        var replica = Replica(id: NodeID(high: 1, low: 0))
        var digest = Digest()
        digest.raise(origin, to: HLCTimestamp(physical: physical))
        replica.adopt(digest)
        return replica
    }

    @Test("dead past grace, covered, key absent: taken as a no-op")
    func coveredDeadEntryIsNoOp() throws {
        var replica = Self.replica(coveringUpTo: Self.now - 5_000)
        let old = Self.tombstone("gone", at: Self.now - 10_000)
        let outcome = try replica.applyRemote(old, physical: Self.now, collectedAfterMilliseconds: Self.grace)
            .get()
        #expect(outcome == .unchanged)
        #expect(replica.map.entry(forKey: Array("gone".utf8)) == nil)
    }

    @Test("not covered, within grace, or without the rule: stored as before")
    func otherwiseStored() throws {
        var uncovered = Self.replica(coveringUpTo: Self.now - 20_000)
        let old = Self.tombstone("gone", at: Self.now - 10_000)
        _ = try uncovered.applyRemote(old, physical: Self.now, collectedAfterMilliseconds: Self.grace).get()
        #expect(uncovered.map.entry(forKey: Array("gone".utf8)) == old)

        var recent = Self.replica(coveringUpTo: Self.now)
        let fresh = Self.tombstone("fresh", at: Self.now - 100)
        _ = try recent.applyRemote(fresh, physical: Self.now, collectedAfterMilliseconds: Self.grace).get()
        #expect(recent.map.entry(forKey: Array("fresh".utf8)) == fresh)

        var noRule = Self.replica(coveringUpTo: Self.now - 5_000)
        _ = try noRule.applyRemote(old, physical: Self.now).get()
        #expect(noRule.map.entry(forKey: Array("gone".utf8)) == old)
    }

    @Test("a key still held takes the tombstone: it may be what kills a stale value")
    func heldKeyTakesTombstone() throws {
        var replica = Self.replica(coveringUpTo: Self.now - 5_000)
        let stale = Entry(
            key: Array("k".utf8), value: Array("v".utf8),
            timestamp: HLCTimestamp(physical: Self.now - 30_000),
            origin: Self.origin)
        _ = try replica.applyRemote(stale, physical: Self.now).get()
        let delete = Self.tombstone("k", at: Self.now - 10_000)
        _ = try replica.applyRemote(delete, physical: Self.now, collectedAfterMilliseconds: Self.grace).get()
        #expect(replica.map.entry(forKey: Array("k".utf8)) == delete)
    }
}
