/// The eager-push state of a `GossipEngine` (DESIGN, "Anti-entropy": fresh writes pushed within
/// a short window, several to a datagram, relayed once, deduplicated on `(origin, timestamp)`):
/// our own writes waiting for the push window, the writes to relay grouped by the root of their
/// push tree, when the window closes, and a bounded memory of the writes already seen. The
/// engine decides what goes in and where it goes (`GossipEngine+Pushes.swift`); this keeps it.
struct PushQueue: Sendable {
    /// Our own writes, in write order.
    private(set) var own: [Push.Item] = []
    /// Items to relay, by the node whose push brought them (the root of their push tree), in
    /// order of arrival.
    private(set) var relays: [(root: NodeID, items: [Push.Item])] = []
    /// When the push window closes; nil when nothing waits.
    private(set) var flushAt: UInt64?
    /// The writes already seen: the current generation, and the one before it.
    private var seen: Set<GossipEngine.WriteID> = []
    private var seenBefore: Set<GossipEngine.WriteID> = []

    /// Queues one of our writes; the window opens now unless it is open already.
    mutating func enqueueOwn(_ item: Push.Item, windowCloses: UInt64) {
        own.append(item)
        if flushAt == nil { flushAt = windowCloses }
    }

    /// Queues `items` for relay down `root`'s push tree.
    mutating func enqueueRelay(_ items: [Push.Item], root: NodeID, windowCloses: UInt64) {
        if let index = relays.firstIndex(where: { $0.root == root }) {
            relays[index].items += items
        } else {
            relays.append((root: root, items: items))
        }
        if flushAt == nil { flushAt = windowCloses }
    }

    /// Whether `id` was seen (among the last `memory` / 2 to `memory` writes remembered).
    func hasSeen(_ id: GossipEngine.WriteID) -> Bool { seen.contains(id) || seenBefore.contains(id) }

    /// Remembers `id`. The memory is two generations of `memory` / 2 ids each; when the current
    /// one fills, the older is forgotten whole. Evicting one id at a time (a queue of ids and a
    /// removal from the set per write) cost 11-13 % of a receiving node's CPU under a pipelined
    /// burst: each removal is a lookup in a table of megabytes, a cache miss and a SipHash.
    mutating func remember(_ id: GossipEngine.WriteID, memory: Int) {
        guard !seenBefore.contains(id), seen.insert(id).inserted else { return }
        if seen.count >= Swift.max(1, memory / 2) {
            swap(&seen, &seenBefore)
            seen.removeAll(keepingCapacity: true)
        }
    }

    /// Empties the queue and closes the window: our writes (hops 0, down our own tree, rooted at
    /// `local`), then each relay group (hops 1).
    mutating func drain(local: NodeID) -> [(hops: UInt8, root: NodeID, items: [Push.Item])] {
        flushAt = nil
        var groups: [(hops: UInt8, root: NodeID, items: [Push.Item])] = []
        if !own.isEmpty { groups.append((0, local, own)) }
        for relay in relays { groups.append((1, relay.root, relay.items)) }
        own.removeAll()
        relays.removeAll()
        return groups
    }
}
