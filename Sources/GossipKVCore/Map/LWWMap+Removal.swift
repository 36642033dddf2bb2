/// Garbage collection's side of the map: which entries are old enough to drop, and dropping one.
///
/// Only the age test lives here; whether every member holds an entry's effect is the engine's
/// question (`GossipEngine+Collection.swift`), since only the engine knows the peers' digests.
extension LWWMap {
    /// The moment an entry stopped mattering to reads: its timestamp for a tombstone, its expiry
    /// deadline for an expiring value (never before its own timestamp), nil for a live value
    /// without expiry, which is never garbage.
    public static func deadSince(_ entry: Entry) -> HLCTimestamp? {
        if entry.isTombstone { return entry.timestamp }
        guard let expiry = entry.expiry else { return nil }
        return Swift.max(expiry, entry.timestamp)
    }

    /// True when `entry` is a tombstone or an expired value that has been dead for more than
    /// `graceMilliseconds` of physical time at `now`. Comparing physical parts keeps the test in
    /// the operator's unit (milliseconds) whatever the logical counters are.
    public static func isPastGrace(_ entry: Entry, at now: HLCTimestamp, graceMilliseconds: UInt64) -> Bool {
        guard let deadSince = deadSince(entry) else { return false }
        let (limit, overflow) = deadSince.physical.addingReportingOverflow(graceMilliseconds)
        return !overflow && now.physical > limit
    }

    /// Every entry dead for longer than the grace period at `now`, sorted by key (so that what
    /// the caller does with them never depends on the storage's order). Scans the whole map:
    /// the engine runs it once per collection interval, not per tick.
    public func entriesPastGrace(at now: HLCTimestamp, graceMilliseconds: UInt64) -> [Entry] {
        var result: [Entry] = []
        forEachEntry { entry in
            if Self.isPastGrace(entry, at: now, graceMilliseconds: graceMilliseconds) { result.append(entry) }
        }
        result.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return result
    }

    /// Drops `entry` if it is exactly the entry held for its key; returns whether it did. An entry
    /// that changed since it was chosen (a newer write arrived) stays: it is no longer garbage.
    @discardableResult
    public mutating func remove(_ entry: Entry) -> Bool {
        guard self.entry(forKey: entry.key) == entry else { return false }
        return removeStored(forKey: entry.key) != nil
    }
}

extension LWWMap {
    /// Drops the entry held for `removal.key` if it is the write `removal` names; returns
    /// whether it did. Recovery replays logged removals with this (`LogReplay`): the log holds
    /// no value, only the write's name, and a newer write of the key stays.
    @discardableResult
    public mutating func remove(_ removal: EntryRemoval) -> Bool {
        guard let held = entry(forKey: removal.key), removal.names(held) else { return false }
        return removeStored(forKey: removal.key) != nil
    }
}
