/// SipHash-2-4 (Aumasson and Bernstein 2012) with a fixed, published key, fed incrementally.
///
/// Why not Swift's `Hasher`: it is seeded per process, so two nodes (or two runs of the
/// simulator) would disagree. State hashes and digest hashes cross the network and must be the same
/// function everywhere, forever: changing the key or the feeding rules below is a wire-format
/// change. Integers are fed as 8 little-endian bytes; byte strings as their bytes (callers feed
/// the length first where two fields could run together).
public struct StableHasher: Sendable {
    /// The key: the ASCII bytes "GossipKV state h" read as two little-endian words.
    public static let key0: UInt64 = 0x564B_7069_7373_6F47
    public static let key1: UInt64 = 0x6820_6574_6174_7320

    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    private var tail: UInt64 = 0
    private var tailByteCount: UInt64 = 0
    private var length: UInt64 = 0

    public init(key0: UInt64 = StableHasher.key0, key1: UInt64 = StableHasher.key1) {
        v0 = key0 ^ 0x736f_6d65_7073_6575
        v1 = key1 ^ 0x646f_7261_6e64_6f6d
        v2 = key0 ^ 0x6c79_6765_6e65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always) private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }

    @inline(__always) private mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        round()
        v0 ^= word
    }

    public mutating func combine(_ byte: UInt8) {
        tail |= UInt64(byte) << (tailByteCount * 8)
        tailByteCount += 1
        length &+= 1
        if tailByteCount == 8 {
            compress(tail)
            tail = 0
            tailByteCount = 0
        }
    }

    @inline(__always)
    public mutating func combine(_ word: UInt64) {
        if tailByteCount == 0 {
            compress(word)
            length &+= 8
        } else {
            withUnsafeBytes(of: word.littleEndian) { combine(bytes: $0) }
        }
    }

    @inline(__always)
    public mutating func combine(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }

    @inline(__always)
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        while tailByteCount != 0 && index < count {
            combine(bytes[index])
            index += 1
        }
        while count - index >= 8 {
            compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
            length &+= 8
        }
        while index < count {
            combine(bytes[index])
            index += 1
        }
    }

    @inline(__always)
    public consuming func finalize() -> UInt64 {
        let last = tail | (length << 56)
        compress(last)
        v2 ^= 0xff
        round()
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// One-shot hash of a byte string.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(bytes)
        return hasher.finalize()
    }
}

extension UInt64 {
    @inline(__always) func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
