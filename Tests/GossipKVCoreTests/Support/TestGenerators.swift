import PropertyBased
import Testing

@testable import GossipKVCore

/// Generators and helpers shared by the map and replica tests.
///
/// Entries are drawn from deliberately tiny spaces (6 keys, 3 origins, 9 timestamps, 4 values)
/// so that random maps collide a lot: the same key written by several origins, equal
/// timestamps from different origins, and even the "impossible" identical `(timestamp, origin)`
/// with different values or expiries, which the total order must still resolve the same way
/// everywhere.
enum TestData {
    /// Three origins whose node-id order (1 < 2 < 3 by `high`) differs from the order in which a
    /// map usually interns them, so code that confuses the two shows up.
    static let origins: [NodeID] = [
        NodeID(high: 3, low: 0),
        NodeID(high: 1, low: 9),
        NodeID(high: 2, low: 5),
    ]
    /// An origin that never writes: digests may still name it.
    static let stranger = NodeID(high: 9, low: 9)

    static let basePhysical: UInt64 = 1_700_000_000_000

    static func key(_ index: Int) -> [UInt8] { [UInt8(ascii: "k"), UInt8(index)] }

    /// 0 → empty value (not a tombstone), 1 → [1], 2 → [2], 3 → [1, 0] (has [1] as a prefix).
    static func value(_ code: Int) -> [UInt8] {
        switch code {
        case 0: return []
        case 1: return [1]
        case 2: return [2]
        default: return [1, 0]
        }
    }

    /// Nine timestamps over three milliseconds, three logical ticks each.
    static func timestamp(_ code: Int) -> HLCTimestamp {
        HLCTimestamp(physical: basePhysical + UInt64(code / 3), logical: UInt16(code % 3))
    }

    /// Code 0 is the degenerate deadline `.zero`, which an `Entry` stores as "no expiry".
    static func expiry(_ code: Int) -> HLCTimestamp {
        code == 0 ? .zero : HLCTimestamp(physical: basePhysical + UInt64(code), logical: 1)
    }

    /// One random entry over the small spaces above.
    static let entry = zip(
        Gen.int(in: 0...5),
        Gen.int(in: 0...3).optional(valueRate: 0.8),
        Gen.int(in: 0...8),
        Gen.int(in: 0...2),
        Gen.int(in: 0...4).optional(valueRate: 0.3)
    ).map { key, value, timestamp, origin, expiry in
        Entry(
            key: TestData.key(key), value: value.map(TestData.value),
            timestamp: TestData.timestamp(timestamp),
            origin: TestData.origins[origin], expiry: expiry.map(TestData.expiry))
    }

    /// A list of entries to merge into one map (possibly empty).
    static let entries = entry.array(of: 0...24)

    /// A digest over the three origins and a stranger; each watermark is absent or one of the
    /// entry timestamps, or just beside them.
    static let digest = zip(
        Gen.int(in: -1...9), Gen.int(in: -1...9), Gen.int(in: -1...9), Gen.int(in: -1...9)
    ).map { a, b, c, d in
        var watermarks: [NodeID: HLCTimestamp] = [:]
        for (origin, code) in Swift.zip(TestData.origins + [TestData.stranger], [a, b, c, d]) where code >= 0
        {
            watermarks[origin] = code == 9 ? HLCTimestamp.max : TestData.timestamp(code)
        }
        return Digest(watermarks)
    }
}

extension LWWMap {
    /// A map holding `entries`, merged in the order given.
    static func merging(_ entries: some Sequence<Entry>) -> LWWMap {
        var map = LWWMap()
        for entry in entries { map.merge(entry) }
        return map
    }

    /// This map with every entry of `other` merged in (the state-based CRDT join).
    func merged(with other: LWWMap) -> LWWMap {
        var result = self
        for entry in other.sortedEntries() { result.merge(entry) }
        return result
    }
}

/// The reference semantics of the LWW map: for each key, the greatest entry under `wins(over:)`,
/// sorted by key.
func winners(of entries: some Sequence<Entry>) -> [Entry] {
    var best: [[UInt8]: Entry] = [:]
    for entry in entries {
        if let held = best[entry.key], !entry.wins(over: held) { continue }
        best[entry.key] = entry
    }
    return best.values.sorted { $0.key.lexicographicallyPrecedes($1.key) }
}

/// Records an issue unless the two maps hold the same entries and the same hashes.
func expectSameState(_ lhs: LWWMap, _ rhs: LWWMap, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(lhs.sortedEntries() == rhs.sortedEntries(), sourceLocation: sourceLocation)
    #expect(lhs.stateHash == rhs.stateHash, sourceLocation: sourceLocation)
    #expect(lhs.bucketHashes == rhs.bucketHashes, sourceLocation: sourceLocation)
    #expect(lhs.count == rhs.count, sourceLocation: sourceLocation)
}
