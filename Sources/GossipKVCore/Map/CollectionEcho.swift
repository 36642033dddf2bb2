import DequeModule

/// The entries a replica's garbage collection dropped lately, kept for a short window so that a
/// superseded write still in flight (a delayed datagram, an answer computed before its sender
/// saw the delete) is refused instead of bringing the key back.
///
/// It is local evidence only: what this replica itself collected. An earlier design refused any
/// entry our digest covered for a key we held nothing for; a digest inflated by a lying peer then
/// made the replica refuse honest writes for good. Bounded in time and in count (the oldest go
/// first); a restart forgets it, and collection then waits a grace period anyway.
struct CollectionEcho: Sendable {
    static let maxEntries = 65_536
    private var dropped: [[UInt8]: (entry: Entry, until: UInt64)] = [:]
    private var order: Deque<(key: [UInt8], until: UInt64)> = []

    /// Nothing collected lately (every key in `dropped` is also in `order`).
    var isEmpty: Bool { order.isEmpty }

    mutating func record(_ entry: Entry, until: UInt64) {
        dropped[entry.key] = (entry, until)
        order.append((entry.key, until))
        while order.count > Self.maxEntries, let oldest = order.popFirst() {
            if dropped[oldest.key]?.until == oldest.until { dropped[oldest.key] = nil }
        }
    }

    /// True when `entry` loses to an entry of its key collected less than the window ago.
    mutating func refuses(_ entry: Entry, now: UInt64) -> Bool {
        while let oldest = order.first, oldest.until < now {
            order.removeFirst()
            if dropped[oldest.key]?.until == oldest.until { dropped[oldest.key] = nil }
        }
        guard let held = dropped[entry.key], held.until >= now else { return false }
        return !entry.wins(over: held.entry)
    }

    /// Forgets a key: a newer entry for it arrived and is held now.
    mutating func forget(_ key: [UInt8]) { dropped[key] = nil }
}
