import DequeModule

/// A dictionary of at most `capacity` keys that evicts the least recently used one to make room
/// (a bounded LRU table). Used for per-source state a stranger can create: a flood of new
/// sources pushes out the idlest entries one at a time, never the whole table, so a source that
/// keeps working keeps its state (unlike clearing everything when full, which handed every
/// source a fresh budget).
///
/// Cost: amortized O(1) per operation. Each touch appends `(key, stamp)` to a queue; entries
/// whose stamp is no longer the key's current one are stale and skipped on eviction; the queue
/// is rebuilt from the table when stale entries make it more than twice the capacity.
public struct RecencyTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public let capacity: Int
    private var entries: [Key: (value: Value, touch: UInt64)] = [:]
    private var order: Deque<(key: Key, touch: UInt64)> = []
    private var clock: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// The value for `key` without touching it.
    public func peek(_ key: Key) -> Value? { entries[key]?.value }

    public func contains(_ key: Key) -> Bool { entries[key] != nil }

    /// The value for `key`, marking it most recently used.
    public mutating func touch(_ key: Key) -> Value? {
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.value, clock)
        append(key)
        return entry.value
    }

    /// Sets `value` for `key` (most recently used); returns the key evicted to make room, if any.
    @discardableResult
    public mutating func set(_ value: Value, for key: Key) -> Key? {
        var evicted: Key?
        if entries[key] == nil, entries.count >= capacity { evicted = evictLeastRecent() }
        clock += 1
        entries[key] = (value, clock)
        append(key)
        return evicted
    }

    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        entries.removeValue(forKey: key)?.value
    }

    private mutating func append(_ key: Key) {
        order.append((key, clock))
        while let first = order.first, entries[first.key]?.touch != first.touch { order.removeFirst() }
        if order.count > 2 * capacity + 16 {
            order = Deque(
                entries.map { ($0.key, $0.value.touch) }.sorted { $0.1 < $1.1 }.map {
                    (key: $0.0, touch: $0.1)
                })
        }
    }

    private mutating func evictLeastRecent() -> Key? {
        while let first = order.popFirst() {
            if entries[first.key]?.touch == first.touch {
                entries[first.key] = nil
                return first.key
            }
        }
        return nil
    }
}
