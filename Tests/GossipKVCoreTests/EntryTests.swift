import PropertyBased
import Testing

@testable import GossipKVCore

@Suite("Entry")
struct EntryTests {
    @Test(
        "wins(over:) is a strict total order: irreflexive, antisymmetric, total on distinct entries, transitive"
    )
    func winsIsStrictTotalOrder() async {
        await propertyCheck(count: 500, input: zip(TestData.entry, TestData.entry, TestData.entry)) {
            a, b, c in
            #expect(!a.wins(over: a))
            #expect(!(a.wins(over: b) && b.wins(over: a)))
            // Entries of one key that compare equal are the same write.
            let sameKey = { (entry: Entry) in
                Entry(
                    key: [0], value: entry.value, timestamp: entry.timestamp, origin: entry.origin,
                    expiry: entry.expiry)
            }
            if sameKey(a) != sameKey(b) { #expect(a.wins(over: b) || b.wins(over: a)) }
            if a.wins(over: b) && b.wins(over: c) { #expect(a.wins(over: c)) }
        }
    }

    @Test("the later timestamp wins whatever the origins and values")
    func laterTimestampWins() {
        let early = Entry(
            key: [1], value: [255], timestamp: HLCTimestamp(physical: 5, logical: 9),
            origin: NodeID(high: .max, low: .max))
        let late = Entry(
            key: [1], value: nil, timestamp: HLCTimestamp(physical: 6), origin: NodeID(high: 0, low: 1))
        #expect(late.wins(over: early))
        #expect(!early.wins(over: late))
    }

    /// Pinned with an independent SipHash-2-4 implementation fed as the doc comment says. Entry
    /// hashes are summed into state hashes that cross the network: a change here is a wire change.
    @Test(
        "stableHash feeds key length, key, tag, value length, value, timestamp, origin words and expiry, fixed forever"
    )
    func stableHashIsPinned() {
        let timestamp = HLCTimestamp(physical: 1_700_000_000_000, logical: 7)
        let origin = NodeID(high: 1, low: 2)
        let key = Array("a".utf8)
        #expect(
            Entry(key: key, value: Array("5".utf8), timestamp: timestamp, origin: origin).stableHash
                == 0x1dd3_99c1_ca61_21da)
        #expect(
            Entry(key: key, value: nil, timestamp: timestamp, origin: origin).stableHash
                == 0x6d14_01bb_538c_9f72)
        let expiry = HLCTimestamp(physical: 1_700_000_005_000)
        #expect(
            Entry(key: key, value: Array("5".utf8), timestamp: timestamp, origin: origin, expiry: expiry)
                .stableHash
                == 0x1c22_fcb1_eafe_dea9)
    }

    @Test("an empty value and a tombstone are different entries with different hashes")
    func emptyValueIsNotTombstone() {
        let empty = Entry(
            key: [1], value: [], timestamp: HLCTimestamp(physical: 1), origin: NodeID(high: 1, low: 0))
        var tombstone = empty
        tombstone.value = nil
        #expect(!empty.isTombstone)
        #expect(tombstone.isTombstone)
        #expect(empty.stableHash != tombstone.stableHash)
        #expect(empty.wins(over: tombstone))
        #expect(empty.visibleValue(at: .max) == [])
    }

    @Test("visibleValue(at:) is the value strictly before the deadline and nil from the deadline on")
    func visibleValueHonoursDeadline() {
        let deadline = HLCTimestamp(physical: 100, logical: 3)
        let entry = Entry(
            key: [1], value: [9], timestamp: HLCTimestamp(physical: 50), origin: NodeID(high: 1, low: 0),
            expiry: deadline)
        #expect(entry.visibleValue(at: HLCTimestamp(physical: 100, logical: 2)) == [9])
        #expect(entry.visibleValue(at: deadline) == nil)
        #expect(entry.visibleValue(at: HLCTimestamp(physical: 101)) == nil)
    }

    @Test("a deadline of zero means no expiry, in an entry and in the map, whichever way it is set")
    func zeroDeadlineMeansNone() {
        var entry = Entry(
            key: [1], value: [1], timestamp: HLCTimestamp(physical: 5), origin: NodeID(high: 1, low: 1),
            expiry: .zero)
        #expect(entry.expiry == nil)
        #expect(entry.visibleValue(at: HLCTimestamp(physical: 6)) == [1])
        entry.expiry = HLCTimestamp(physical: 9)
        entry.expiry = .zero
        #expect(entry.expiry == nil)

        var map = LWWMap()
        #expect(map.merge(entry) == .inserted)
        #expect(map.entry(forKey: [1]) == entry)
        #expect(
            map.merge(
                Entry(
                    key: [1], value: [1], timestamp: HLCTimestamp(physical: 5),
                    origin: NodeID(high: 1, low: 1))) == .unchanged)
    }
}
