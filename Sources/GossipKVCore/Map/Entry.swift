/// One replicated write: the newest known state of a key.
///
/// `(origin, timestamp)` names one write: every write gets its own HLC tick at its origin.
/// Entries are ordered by `(timestamp, origin)`, then by value bytes (a tombstone below every
/// value), then by expiry (none below any deadline), so any two entries compare the same way on
/// every node, even the impossible case of one origin reusing a timestamp.
public struct Entry: Hashable, Sendable, CustomStringConvertible {
    public var key: [UInt8]
    /// The value, or nil for a tombstone (a delete).
    public var value: [UInt8]?
    public var timestamp: HLCTimestamp
    public var origin: NodeID
    /// An HLC deadline: at or after it the entry reads as absent, but it stays in the map as a
    /// tombstone does, so that an older write arriving later still loses to it.
    ///
    /// A deadline of `HLCTimestamp.zero` means "no expiry" and is stored as nil: `stableHash` and
    /// the map's compact storage already treat 0 as none, so keeping both forms would let one
    /// write compare, read and report differently before and after it is stored.
    public var expiry: HLCTimestamp? {
        didSet { if expiry == .zero { expiry = nil } }
    }

    public init(
        key: [UInt8], value: [UInt8]?, timestamp: HLCTimestamp, origin: NodeID, expiry: HLCTimestamp? = nil
    ) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.origin = origin
        self.expiry = expiry == .zero ? nil : expiry
    }

    public var isTombstone: Bool { value == nil }

    /// The value a read at `now` sees: nil for a tombstone or an expired entry.
    public func visibleValue(at now: HLCTimestamp) -> [UInt8]? {
        if let expiry, expiry <= now { return nil }
        return value
    }

    /// True when this entry replaces `other` under last-writer-wins.
    public func wins(over other: Entry) -> Bool {
        Entry.compare(
            timestamp, origin, value, expiry,
            other.timestamp, other.origin, other.value, other.expiry) > 0
    }

    /// Three-way comparison of two writes in the total LWW order: -1, 0 or 1.
    @inlinable
    static func compare(
        _ lt: HLCTimestamp, _ lo: NodeID, _ lv: [UInt8]?, _ le: HLCTimestamp?,
        _ rt: HLCTimestamp, _ ro: NodeID, _ rv: [UInt8]?, _ re: HLCTimestamp?
    ) -> Int {
        if lt != rt { return lt < rt ? -1 : 1 }
        if lo != ro { return lo < ro ? -1 : 1 }
        switch (lv, rv) {
        case (nil, nil): break
        case (nil, _): return -1
        case (_, nil): return 1
        case let (l?, r?):
            if l != r { return l.lexicographicallyPrecedes(r) ? -1 : 1 }
        }
        switch (le, re) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case let (l?, r?): return l == r ? 0 : (l < r ? -1 : 1)
        }
    }

    /// The entry's contribution to the state hash (see `StateHash`). Fixed forever: it is on the
    /// wire. Fields are fed as: key length, key, tag (0 tombstone, 1 value), value length and
    /// value when present, timestamp, origin high and low words, expiry (0 when none).
    public var stableHash: UInt64 {
        var hasher = StableHasher()
        hasher.combine(UInt64(key.count))
        hasher.combine(key)
        if let value {
            hasher.combine(UInt64(1))
            hasher.combine(UInt64(value.count))
            hasher.combine(value)
        } else {
            hasher.combine(UInt64(0))
        }
        hasher.combine(timestamp.rawValue)
        hasher.combine(origin.high)
        hasher.combine(origin.low)
        hasher.combine(expiry?.rawValue ?? 0)
        return hasher.finalize()
    }

    public var description: String {
        let shownValue = value.map { "\($0.count)B" } ?? "tombstone"
        return
            "Entry(\(String(decoding: key.prefix(32), as: UTF8.self)) = \(shownValue) @\(timestamp) from \(origin))"
    }
}
