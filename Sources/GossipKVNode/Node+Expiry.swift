import GossipKVCore

/// `expired` changes: a key's deadline passing on this node's clock.
///
/// Like Redis, an expiry is noticed two ways: a read that finds the key past its deadline
/// (`get`), or the sweep that runs when the earliest pending deadline comes due (the node's
/// timer wakes for it). Either way each (key, deadline) is reported once per node. Every node
/// fires its own: the deadline is part of the replicated entry, so nothing is sent for it.
/// Reports are best-effort, as Redis's notifications are: a subscriber that is not connected
/// at that moment, or falls behind, misses them; and a node that learns an entry after its
/// deadline reports its expiry when it learns it.
extension Node {
    /// When the sweep should next run (wall milliseconds), or `.max` when nothing is pending.
    var nextExpiryAt: UInt64 { expiryWatch.nextDeadline?.physical ?? .max }

    /// Reports every key whose deadline is past on this node's read clock.
    func sweepExpired(now: UInt64) {
        guard expiryWatch.nextDeadline != nil else { return }
        let readTime = engine.replica.readTime(physical: now)
        for key in expiryWatch.due(at: readTime) {
            guard let entry = engine.replica.map.entry(forKey: key) else { continue }
            feed.publish(Change(entry: entry, source: .expired))
        }
    }

    /// A read found `key` absent: report its expiry now if that is why and the sweep has not.
    func noticeExpiry(of key: [UInt8]) {
        guard let entry = engine.replica.map.entry(forKey: key), entry.expiry != nil else { return }
        let readTime = engine.replica.readTime(physical: WallClock.nowMilliseconds())
        if expiryWatch.claim(entry, at: readTime) { feed.publish(Change(entry: entry, source: .expired)) }
    }
}
