/// SCAN over the map: pages in (stable hash, key) order, read from `ScanOrder`.
extension LWWMap {
    /// One page of keys visible at `now` (not deleted, not expired), starting at the first key
    /// whose stable hash is at least `cursor`, and the cursor of the next page (0 when the
    /// walk is over).
    ///
    /// Visits `count` held keys (at least 1), plus any that share the last one's hash so that
    /// the next cursor skips none, and returns the visible ones among them: a page may hold
    /// fewer than `count` keys, or none, as Redis's may. Costs O(visited + log n). A key held
    /// for the whole walk is returned exactly once, since other keys coming and going do not
    /// move it in the order.
    public func scanPage(from cursor: UInt64, count: Int, visibleAt now: HLCTimestamp) -> (
        keys: [[UInt8]], nextCursor: UInt64
    ) {
        let wanted = Swift.max(count, 1)
        var keys: [[UInt8]] = []
        var visited = 0
        var lastHash: UInt64? = nil
        var nextCursor: UInt64 = 0
        scanOrder.forEach(from: cursor) { item in
            if visited >= wanted, item.hash != lastHash {
                nextCursor = item.hash
                return false
            }
            visited += 1
            lastHash = item.hash
            if let stored = storage[StorageKey(item.key, stableHash: item.hash)], stored.value != nil,
                stored.expiryRaw == 0 || stored.expiryRaw > now.rawValue
            {
                keys.append(item.key)
            }
            return true
        }
        return (keys, nextCursor)
    }
}
