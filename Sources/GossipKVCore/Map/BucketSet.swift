/// A set of state-hash buckets (0...255), as a 256-bit bitmap: 32 bytes on the wire.
public struct BucketSet: Hashable, Sendable, Sequence {
    public static let bucketCount = 256
    public private(set) var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    public init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    public init(_ buckets: some Sequence<UInt8>) {
        for bucket in buckets { insert(bucket) }
    }

    public static func == (lhs: BucketSet, rhs: BucketSet) -> Bool { lhs.words == rhs.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public var isEmpty: Bool { words == (0, 0, 0, 0) }

    public func contains(_ bucket: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(bucket & 63)
        switch bucket >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    public mutating func insert(_ bucket: UInt8) {
        let bit = UInt64(1) << UInt64(bucket & 63)
        switch bucket >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    public func makeIterator() -> some IteratorProtocol<UInt8> {
        (0...255).lazy.map { UInt8($0) }.filter { self.contains($0) }.makeIterator()
    }
}
