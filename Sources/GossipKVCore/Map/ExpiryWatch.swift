import HeapModule

/// Which keys' deadlines are still to pass, so a node can report each expiry once (Redis's
/// `expired` keyspace event). Pure: the caller feeds it every entry it applies and asks what is
/// due at a time it reads from its own clock.
///
/// Expiry is not a write: every replica holds the same HLC deadline and fires its own event
/// when that deadline passes on its clock, so no message is exchanged for it. A key is
/// reported at most once per deadline; a later write to the key (a new value, a tombstone, a
/// PERSIST) replaces or cancels what was pending for it.
///
/// Memory: one pending record per live key with a deadline, plus one heap item per tracked
/// deadline until it passes or is compacted away: a key whose deadline keeps moving (a session
/// refreshed by EXPIRE) leaves stale items, so the heap is rebuilt from the pending records
/// whenever it holds more than twice as many items (plus 1,024).
public struct ExpiryWatch: Sendable {
    private struct Due: Comparable, Sendable {
        var deadline: HLCTimestamp
        var key: [UInt8]
        static func < (lhs: Due, rhs: Due) -> Bool { lhs.deadline < rhs.deadline }
    }

    private var pending: [[UInt8]: HLCTimestamp] = [:]
    private var queue = Heap<Due>()

    public init() {}

    /// Keys whose deadline has not been reported yet.
    public var pendingCount: Int { pending.count }

    /// The earliest deadline that may come due (possibly a stale one, which only wakes the
    /// caller early), or nil when nothing is pending.
    public var nextDeadline: HLCTimestamp? { queue.min?.deadline }

    /// Records the entry now held for its key. A value with a deadline becomes pending; anything
    /// else (a tombstone, a value without deadline) cancels what was pending for the key.
    public mutating func track(_ entry: Entry) {
        guard !entry.isTombstone, let deadline = entry.expiry else {
            // The common write (no deadline, nothing pending) costs no hashing.
            if !pending.isEmpty { pending.removeValue(forKey: entry.key) }
            return
        }
        guard pending[entry.key] != deadline else { return }
        pending[entry.key] = deadline
        queue.insert(Due(deadline: deadline, key: entry.key))
        if queue.count > 2 * pending.count + 1_024 {
            queue = Heap(pending.map { Due(deadline: $0.value, key: $0.key) })
        }
    }

    /// Heap items held, stale ones included (for tests and memory checks).
    public var queuedCount: Int { queue.count }

    /// The keys whose deadline is at or before `now` and not reported yet, earliest first; each
    /// is reported once.
    public mutating func due(at now: HLCTimestamp) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        while let first = queue.min, first.deadline <= now {
            let item = queue.removeMin()
            if pending[item.key] == item.deadline {
                pending.removeValue(forKey: item.key)
                keys.append(item.key)
            }
        }
        return keys
    }

    /// Reports `entry`'s expiry now when a read found it past its deadline before the sweep did:
    /// true once per deadline (the heap item is dropped lazily).
    public mutating func claim(_ entry: Entry, at now: HLCTimestamp) -> Bool {
        guard let deadline = entry.expiry, deadline <= now, pending[entry.key] == deadline else {
            return false
        }
        pending.removeValue(forKey: entry.key)
        return true
    }
}
