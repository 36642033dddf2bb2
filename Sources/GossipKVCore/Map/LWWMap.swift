import HashTreeCollections

/// The last-writer-wins map CRDT: for each key, the greatest entry under `Entry`'s total order.
/// Merge is commutative, associative and idempotent, so replicas that have seen the same
/// entries, in any order and any number of times, hold the same map.
///
/// Beside the entries it keeps, incrementally, what anti-entropy and SCAN need cheaply:
/// - a per-origin index ordered by timestamp (`TimestampIndex`): an entry leaves its origin's
///   index when another entry supersedes it, so the index holds exactly the winners;
/// - per-bucket state hashes: bucket = top byte of the key's `StableHasher` hash; a bucket's hash
///   is the wrapping sum of its entries' `Entry.stableHash`, and `stateHash` the wrapping sum of
///   all buckets. Sums are order-independent and updated in O(1) per merge.
///
/// - every key in SCAN order (`ScanOrder`), so a SCAN page costs O(page).
///
/// Tombstones and expired entries stay until garbage collection drops them under the rule in
/// `LWWMap+Removal.swift` and `GossipEngine+Collection.swift`.
public struct LWWMap: Sendable {
    struct StoredEntry: Sendable {
        var value: [UInt8]?
        var timestamp: HLCTimestamp
        /// The expiry deadline's raw value; 0 when the entry does not expire.
        var expiryRaw: UInt64
        var originIndex: UInt32
        var entryHash: UInt64

        var expiry: HLCTimestamp? { expiryRaw == 0 ? nil : HLCTimestamp(rawValue: expiryRaw) }
    }

    public enum MergeOutcome: Equatable, Sendable {
        /// The key was absent.
        case inserted
        /// The entry replaced an older one.
        case replaced(previous: Entry)
        /// The entry lost to (or equals) the one held; nothing changed.
        case unchanged
    }

    /// A persistent hash trie (swift-collections' `TreeDictionary`), not a `Dictionary`: a copy
    /// (the snapshot being written while the node keeps merging) shares structure, so the next
    /// merge copies the O(log n) nodes on its path instead of the whole table. With `Dictionary`
    /// that first merge after a copy stalled the writer for the full-table copy (DESIGN trap
    /// "Snapshots at 1M keys"; `Benchmarks/storage-bench.sh` measures it).
    private(set) var storage: TreeDictionary<StorageKey, StoredEntry> = [:]
    /// Every held key in SCAN order (`LWWMap+Scan.swift`).
    private(set) var scanOrder = ScanOrder()
    private var originTable = OriginTable()
    private var indexes: [TimestampIndex] = []
    public private(set) var bucketHashes = [UInt64](repeating: 0, count: BucketSet.bucketCount)
    public private(set) var stateHash: UInt64 = 0

    public init() {}

    /// Entries held, tombstones and expired entries included.
    public var count: Int { storage.count }

    /// A hint only: the hash trie grows node by node and has nothing to reserve.
    public mutating func reserveCapacity(_ capacity: Int) {}

    /// The state-hash bucket of a key: the top byte of its stable hash.
    public static func bucket(ofKey key: [UInt8]) -> UInt8 {
        UInt8(truncatingIfNeeded: StableHasher.hash(key) >> 56)
    }

    public func entry(forKey key: [UInt8]) -> Entry? {
        storage[StorageKey(key)].map { entry(key: key, stored: $0) }
    }

    /// Whether an entry (live, deleted or expired) is held for `key`, without building it.
    public func containsKey(_ key: [UInt8]) -> Bool { storage[StorageKey(key)] != nil }

    /// The value a read at `now` sees: nil when absent, deleted or expired.
    public func value(forKey key: [UInt8], at now: HLCTimestamp) -> [UInt8]? {
        guard let stored = storage[StorageKey(key)] else { return nil }
        if stored.expiryRaw != 0 && stored.expiryRaw <= now.rawValue { return nil }
        return stored.value
    }

    @inline(__always)
    private func entry(key: [UInt8], stored: StoredEntry) -> Entry {
        Entry(
            key: key, value: stored.value, timestamp: stored.timestamp,
            origin: originTable[stored.originIndex],
            expiry: stored.expiry)
    }

    /// Keeps the greater of `incoming` and the entry held for its key.
    ///
    /// Costs one stable hash of the key (kept with it, see `StorageKey`, so the trie never
    /// rehashes the bytes), one trie lookup to find the key (a second, along a path now in cache,
    /// to store the winner) and, when the entry goes in, one stable hash of the entry.
    @discardableResult
    public mutating func merge(_ incoming: Entry) -> MergeOutcome {
        let key = StorageKey(incoming.key)
        let bucket = Int(key.bucket)
        var outcome = MergeOutcome.inserted
        let originIndex: UInt32
        let entryHash: UInt64
        if let displaced = storage[key] {
            // One lookup decides the common case (the incoming entry loses on its timestamp).
            if incoming.timestamp < displaced.timestamp { return .unchanged }
            if incoming.timestamp == displaced.timestamp {
                let order = Entry.compare(
                    incoming.timestamp, incoming.origin, incoming.value, incoming.expiry,
                    displaced.timestamp, originTable[displaced.originIndex], displaced.value, displaced.expiry
                )
                if order <= 0 { return .unchanged }
            }
            originIndex = originTable.intern(incoming.origin)
            entryHash = incoming.stableHash
            storage[key] = StoredEntry(
                value: incoming.value, timestamp: incoming.timestamp,
                expiryRaw: incoming.expiry?.rawValue ?? 0, originIndex: originIndex, entryHash: entryHash)
            indexes[Int(displaced.originIndex)].remove(timestamp: displaced.timestamp, key: incoming.key)
            bucketHashes[bucket] &-= displaced.entryHash
            stateHash &-= displaced.entryHash
            outcome = .replaced(previous: entry(key: incoming.key, stored: displaced))
        } else {
            originIndex = originTable.intern(incoming.origin)
            entryHash = incoming.stableHash
            storage[key] = StoredEntry(
                value: incoming.value, timestamp: incoming.timestamp,
                expiryRaw: incoming.expiry?.rawValue ?? 0, originIndex: originIndex, entryHash: entryHash)
            scanOrder.insert(hash: key.stableHash, key: key.bytes)
        }
        if Int(originIndex) == indexes.count { indexes.append(TimestampIndex()) }
        indexes[Int(originIndex)].insert(timestamp: incoming.timestamp, key: incoming.key)
        bucketHashes[bucket] &+= entryHash
        stateHash &+= entryHash
        return outcome
    }

    /// Forgets the entry held for `key`, keeping the origin index and the state hashes exact.
    /// The hook behind `remove(_:)` (`LWWMap+Removal.swift`): the merge itself never forgets.
    mutating func removeStored(forKey key: [UInt8]) -> Entry? {
        let storageKey = StorageKey(key)
        guard let stored = storage.removeValue(forKey: storageKey) else { return nil }
        scanOrder.remove(hash: storageKey.stableHash, key: key)
        indexes[Int(stored.originIndex)].remove(timestamp: stored.timestamp, key: key)
        bucketHashes[Int(storageKey.bucket)] &-= stored.entryHash
        stateHash &-= stored.entryHash
        return entry(key: key, stored: stored)
    }

    /// The greatest timestamp of an entry held, nil when empty. O(origins): each origin's index
    /// knows its last timestamp.
    public var latestTimestamp: HLCTimestamp? {
        indexes.compactMap(\.lastTimestamp).max()
    }

    /// Every origin that has written an entry still held, in node-id order.
    public var writers: [NodeID] {
        originTable.ids.enumerated().filter { !indexes[$0.offset].isEmpty }.map(\.element).sorted()
    }

    /// The entries written by `origin` with a timestamp above `watermark`, oldest first.
    /// Costs O(log n + returned).
    /// Every entry `origin` holds in the map, whatever its timestamp (a revoked origin's, to drop
    /// them: `Replica.bar`), in timestamp order.
    public func entries(from origin: NodeID) -> [Entry] {
        guard let originIndex = originTable.index(of: origin) else { return [] }
        var result: [Entry] = []
        indexes[Int(originIndex)].forEachItem { item in
            if let stored = storage[StorageKey(item.key)], stored.originIndex == originIndex {
                result.append(entry(key: item.key, stored: stored))
            }
        }
        return result
    }

    public func entries(from origin: NodeID, after watermark: HLCTimestamp) -> [Entry] {
        guard let originIndex = originTable.index(of: origin) else { return [] }
        var result: [Entry] = []
        indexes[Int(originIndex)].forEach(after: watermark) { item in
            if let stored = storage[StorageKey(item.key)] {
                result.append(entry(key: item.key, stored: stored))
            }
        }
        return result
    }

    /// Number of entries `delta(for:)` would return, without building them.
    public func deltaCount(for digest: Digest) -> Int {
        var total = 0
        for (originIndex, id) in originTable.ids.enumerated() {
            total += indexes[originIndex].count(after: digest[id])
        }
        return total
    }

    /// Every entry held whose timestamp is above the digest's watermark for its origin: what a
    /// replica with that digest may lack. Origins in node-id order, each oldest first. Costs time
    /// in proportion to the entries returned (plus one binary search per origin).
    public func delta(for digest: Digest) -> [Entry] {
        var result: [Entry] = []
        for (originIndex, id) in originTable.ids.enumerated().sorted(by: { $0.element < $1.element }) {
            indexes[originIndex].forEach(after: digest[id]) { item in
                if let stored = storage[StorageKey(item.key)] {
                    result.append(entry(key: item.key, stored: stored))
                }
            }
        }
        return result
    }

    /// Every entry whose key falls in one of `buckets`, sorted by key. Scans the whole map: this
    /// is the rare fallback when digests are equal but state hashes are not.
    public func entries(inBuckets buckets: BucketSet) -> [Entry] {
        var result: [Entry] = []
        for (key, stored) in storage where buckets.contains(key.bucket) {
            result.append(entry(key: key.bytes, stored: stored))
        }
        result.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return result
    }

    /// Every entry, sorted by key (for checks and snapshots; O(n log n)).
    public func sortedEntries() -> [Entry] {
        storage.map { entry(key: $0.key.bytes, stored: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Calls `body` with every entry in an unspecified order (never let that order reach output).
    public func forEachEntry(_ body: (Entry) throws -> Void) rethrows {
        for (key, stored) in storage { try body(entry(key: key.bytes, stored: stored)) }
    }
}
