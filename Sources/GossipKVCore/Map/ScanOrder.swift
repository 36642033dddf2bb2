/// The keys of an `LWWMap` in SCAN order, (stable hash, key bytes) ascending, kept as the map
/// changes so that one SCAN page costs time in proportion to the page, not to the map.
///
/// Why not sort per page: the RESP server used to sort every live key for each page, so a full
/// scan of n keys in pages of p cost O(n²/p · log n). Why not a sorted array: inserting in the
/// middle moves O(n) elements per write. Keys' stable hashes are uniform, so the index is a
/// table of buckets, one per value of the hash's top `bits` bits, each a short sorted array;
/// the table doubles (or halves) as the key count passes 8 (or falls under 1/2) per bucket, so
/// a write costs O(log bucket) plus a short move, amortized, and a page walks a handful of
/// buckets. Splitting a bucket keeps order (its lower half by the next hash bit comes first),
/// so a cursor, which is a hash and not a bucket number, stays valid across resizes.
///
/// The key arrays are the map's own (copy-on-write buffers, shared, not copied).
struct ScanOrder: Sendable {
    struct Item: Sendable {
        let hash: UInt64
        let key: [UInt8]
    }

    private var buckets: [[Item]] = [[]]
    private var bits = 0
    private(set) var count = 0

    static let maxLoad = 8

    @inline(__always)
    private func bucketIndex(_ hash: UInt64) -> Int {
        bits == 0 ? 0 : Int(truncatingIfNeeded: hash >> UInt64(64 - bits))
    }

    /// The first position in `bucket` whose item does not precede (hash, key).
    private static func position(in bucket: [Item], hash: UInt64, key: [UInt8]) -> Int {
        var low = 0
        var high = bucket.count
        while low < high {
            let middle = (low + high) / 2
            let item = bucket[middle]
            let precedes = item.hash != hash ? item.hash < hash : item.key.lexicographicallyPrecedes(key)
            if precedes { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Adds a key that is not in the index.
    mutating func insert(hash: UInt64, key: [UInt8]) {
        let index = bucketIndex(hash)
        let position = Self.position(in: buckets[index], hash: hash, key: key)
        buckets[index].insert(Item(hash: hash, key: key), at: position)
        count += 1
        if count > buckets.count * Self.maxLoad { resize(growing: true) }
    }

    /// Removes a key; nothing happens when it is absent.
    mutating func remove(hash: UInt64, key: [UInt8]) {
        let index = bucketIndex(hash)
        let position = Self.position(in: buckets[index], hash: hash, key: key)
        guard position < buckets[index].count, buckets[index][position].hash == hash,
            buckets[index][position].key == key
        else { return }
        buckets[index].remove(at: position)
        count -= 1
        if bits > 0, count * 2 < buckets.count { resize(growing: false) }
    }

    /// Doubles the table (each bucket splits by the next hash bit) or halves it (neighbours
    /// join). Either keeps the overall order.
    private mutating func resize(growing: Bool) {
        var next: [[Item]] = []
        if growing {
            bits += 1
            let shift = UInt64(64 - bits)
            next.reserveCapacity(buckets.count * 2)
            for bucket in buckets {
                // Sorted by hash, so the items whose new bit is set are a suffix.
                var low = 0
                var high = bucket.count
                while low < high {
                    let middle = (low + high) / 2
                    if (bucket[middle].hash >> shift) & 1 == 0 { low = middle + 1 } else { high = middle }
                }
                next.append(Array(bucket[..<low]))
                next.append(Array(bucket[low...]))
            }
        } else {
            bits -= 1
            next.reserveCapacity(buckets.count / 2)
            for index in stride(from: 0, to: buckets.count, by: 2) {
                next.append(buckets[index] + buckets[index + 1])
            }
        }
        buckets = next
    }

    /// Calls `body` with each item at or after `cursor` (by hash) in order, until it returns
    /// false.
    func forEach(from cursor: UInt64, _ body: (Item) -> Bool) {
        var index = bucketIndex(cursor)
        var position = Self.position(in: buckets[index], hash: cursor, key: [])
        while index < buckets.count {
            let bucket = buckets[index]
            while position < bucket.count {
                if !body(bucket[position]) { return }
                position += 1
            }
            index += 1
            position = 0
        }
    }
}
