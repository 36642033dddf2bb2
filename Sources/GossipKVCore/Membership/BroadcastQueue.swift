/// Membership updates waiting to be piggybacked, each sent a limited number of times (SWIM,
/// Das et al. 2002, section 4.1: "a membership update is piggybacked λ log n times"; the
/// ordering is that of memberlist's `TransmitLimitedQueue`).
///
/// The least-sent update goes first and, among equals, the most recent: fresh news spreads
/// before old news is repeated. At most one update per member is queued; a newer one replaces
/// it and starts its count again.
struct BroadcastQueue: Sendable {
    private struct Item: Sendable {
        var update: MemberUpdate
        var transmissions: Int
        /// Insertion counter: larger is more recent; unique, so the order is total.
        var order: UInt64
    }

    private var items: [NodeID: Item] = [:]
    private var counter: UInt64 = 0

    var count: Int { items.count }

    func contains(_ id: NodeID) -> Bool { items[id] != nil }

    mutating func enqueue(_ update: MemberUpdate) {
        counter &+= 1
        items[update.id] = Item(update: update, transmissions: 0, order: counter)
    }

    /// Up to `max` updates, skipping `excluded` members, counted as sent once more; updates
    /// sent `limit` times leave the queue.
    mutating func take(max: Int, limit: Int, excluding excluded: [NodeID] = []) -> [MemberUpdate] {
        guard max > 0, !items.isEmpty else { return [] }
        let chosen = items.values
            .filter { !excluded.contains($0.update.id) }
            .sorted { ($0.transmissions, $1.order) < ($1.transmissions, $0.order) }
            .prefix(max)
        var result: [MemberUpdate] = []
        result.reserveCapacity(chosen.count)
        for item in chosen {
            result.append(item.update)
            if item.transmissions + 1 >= limit {
                items[item.update.id] = nil
            } else {
                items[item.update.id]?.transmissions += 1
            }
        }
        return result
    }
}
