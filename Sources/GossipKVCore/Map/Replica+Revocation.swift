/// Revoked nodes' entries (issue 13, "revocation that gossips"): once a node is revoked, every
/// origin it is known to write as (`OriginRegistry`) is barred here. Its entries are dropped,
/// and refused from then on whoever relays them, so they leave every replica that learns the
/// revocation, not only the ones that refuse the node's own envelopes.
///
/// Dropping is not undoing: a revoked node's write that overwrote an honest one replaced it, and
/// the honest value comes back only from a replica that still holds it (the bucket exchange
/// finds the difference once the state hashes differ). Watermarks stay: the barred writes are
/// covered in the sense that none of them is wanted.
extension Replica {
    /// Bars `origins` (never this replica's own) and drops their entries; returns the entries
    /// dropped, sorted by key.
    public mutating func bar(_ origins: some Sequence<NodeID>) -> [Entry] {
        var dropped: [Entry] = []
        for origin in origins where origin != self.origin && barredOrigins.insert(origin).inserted {
            // Every timestamp, zero included: a crafted entry at HLC 0 must go too.
            for entry in map.entries(from: origin) where map.remove(entry) {
                dropped.append(entry)
            }
        }
        dropped.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return dropped
    }
}

extension GossipEngine {
    /// Bars a revoked node's origins (`Replica.bar`). Dropping entries changes the state hash:
    /// the engine counts it as a change, so rounds run and peers that still hold an honest value
    /// the revoked node overwrote send it back.
    public mutating func bar(_ origins: some Sequence<NodeID>, now: UInt64) -> [Entry] {
        let dropped = replica.bar(origins)
        if !dropped.isEmpty { lastChangeAt = now }
        return dropped
    }
}

extension NodeCore {
    /// A node revoked for good: removed from the peers and the member list (`exclude`), and its
    /// known origins barred. Returns what to carry out and the entries dropped.
    public mutating func revoke(_ node: NodeID, origins: some Sequence<NodeID>, now: UInt64)
        -> (directives: [NodeCoreDirective], dropped: [Entry])
    {
        let dropped = engine.bar(origins, now: now)
        return (exclude(node, now: now), dropped)
    }

    /// Bars more origins of a node already revoked (an epoch learned later).
    public mutating func bar(_ origins: some Sequence<NodeID>, now: UInt64) -> [Entry] {
        engine.bar(origins, now: now)
    }
}
