/// A vector of watermarks: for each origin, the highest timestamp such that the replica holds the
/// effect of every write by that origin up to it (DESIGN, "Anti-entropy"). An origin absent from
/// the digest has watermark zero: nothing is claimed.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public private(set) var watermarks: [NodeID: HLCTimestamp]

    public init(_ watermarks: [NodeID: HLCTimestamp] = [:]) {
        self.watermarks = watermarks.filter { $0.value != .zero }
    }

    public subscript(origin: NodeID) -> HLCTimestamp { watermarks[origin] ?? .zero }

    public var count: Int { watermarks.count }

    /// Moves the watermark of `origin` up to `timestamp`, never down; returns the watermark it
    /// had. One hash lookup when the origin is known (a local write raises its own watermark
    /// every time: a read, then a lookup to compare and another to store, cost three).
    @discardableResult
    public mutating func raise(_ origin: NodeID, to timestamp: HLCTimestamp) -> HLCTimestamp {
        if let index = watermarks.index(forKey: origin) {
            let previous = watermarks.values[index]
            if timestamp > previous { watermarks.values[index] = timestamp }
            return previous
        }
        if timestamp > .zero { watermarks[origin] = timestamp }
        return .zero
    }

    /// Sets a watermark exactly (used when a replica must claim less, e.g. after data loss).
    public mutating func set(_ origin: NodeID, to timestamp: HLCTimestamp) {
        watermarks[origin] = timestamp == .zero ? nil : timestamp
    }

    /// Raises every watermark to at least the other digest's.
    public mutating func formUnion(_ other: Digest) {
        for (origin, watermark) in other.watermarks { raise(origin, to: watermark) }
    }

    /// Per origin, the lower of this digest's watermark and `other`'s: what both claim.
    public func capped(by other: Digest) -> Digest {
        var result = Digest()
        for (origin, watermark) in watermarks { result.set(origin, to: Swift.min(watermark, other[origin])) }
        return result
    }

    /// The watermarks in node-id order: the only order that may reach the wire or a hash.
    public var sorted: [(origin: NodeID, watermark: HLCTimestamp)] {
        watermarks.sorted { $0.key < $1.key }.map { (origin: $0.key, watermark: $0.value) }
    }

    /// A fixed hash of the sorted watermarks (SipHash-2-4, see `StableHasher`): origin count, then
    /// for each origin its id words and watermark.
    public var stableHash: UInt64 {
        var hasher = StableHasher()
        hasher.combine(UInt64(watermarks.count))
        for (origin, watermark) in sorted {
            hasher.combine(origin.high)
            hasher.combine(origin.low)
            hasher.combine(watermark.rawValue)
        }
        return hasher.finalize()
    }

    public var description: String {
        "Digest(" + sorted.map { "\($0.origin):\($0.watermark)" }.joined(separator: ", ") + ")"
    }
}
