/// A key of `LWWMap`'s storage: the key bytes and their `StableHasher` hash, computed once.
///
/// Why: the map needs the stable hash anyway (its top byte is the key's state-hash bucket), and
/// keeping it beside the bytes makes the dictionary cheap: hashing feeds one word instead of
/// every byte, growing the table rehashes without touching the key bytes, and a probe rejects
/// a different key by its hash without following the pointer to its bytes (a cache miss in a
/// large map). The dictionary still mixes the word with Swift's per-process seed, so crafted
/// keys cannot flood one slot of it unless they collide in all 64 bits of SipHash-2-4.
struct StorageKey: Hashable, Sendable {
    let bytes: [UInt8]
    let stableHash: UInt64

    @inline(__always)
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.stableHash = StableHasher.hash(bytes)
    }

    /// A key whose stable hash is already known (kept beside it, as `ScanOrder` does).
    @inline(__always)
    init(_ bytes: [UInt8], stableHash: UInt64) {
        self.bytes = bytes
        self.stableHash = stableHash
    }

    /// The key's state-hash bucket: the top byte of its stable hash.
    var bucket: UInt8 { UInt8(truncatingIfNeeded: stableHash >> 56) }

    @inline(__always)
    static func == (lhs: StorageKey, rhs: StorageKey) -> Bool {
        lhs.stableHash == rhs.stableHash && lhs.bytes == rhs.bytes
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(stableHash) }

    /// What `Dictionary` calls: the same value as `hash(into:)` gives, by `UInt64`'s one-shot
    /// path, which skips building a streaming `Hasher` for every probe and every rehash.
    @inline(__always)
    func _rawHashValue(seed: Int) -> Int { stableHash._rawHashValue(seed: seed) }
}
