import GossipKVCore
import GossipKVCrypto

/// Revoked nodes (`gossipkv cert revoke`). The list travels as a file an operator copies to
/// every machine, not by gossip: a revocation must reach nodes that the revoked node may be
/// partitioned with or lying to, and a file is what an operator already distributes (like the
/// cluster public key), with no new message kind for every node version to understand. A
/// revoked node's envelopes and announcements are refused before any signature check and
/// counted as `revoked`; it is dropped from the member list and never re-added.
extension Node {
    /// Applies every revocation in `list` that is new; returns the newly revoked ids. Throws,
    /// applying nothing, when any revocation does not verify under this cluster's key, or when
    /// it revokes this node itself.
    @discardableResult
    public func revoke(_ list: RevocationList) throws(RevocationError) -> Set<NodeID> {
        let nodes = try list.verified(authority: configuration.identity.authority)
        guard !nodes.contains(id) else { throw .selfRevoked(node: id) }
        let now = WallClock.nowMilliseconds()
        let added = nodes.subtracting(verifier.revoked)
        for node in added.sorted() {
            verifier.revoke(node)
            carryOut(core.exclude(node, now: now))
            logger.warning("node \(node) is revoked: its messages are refused from now on")
        }
        refreshTimer()
        return added
    }

    /// True (and counted) when `sender` is revoked: the packet is dropped unread.
    func refusedAsRevoked(_ sender: NodeID) -> Bool {
        guard verifier.revoked.contains(sender) else { return false }
        metrics.rejected(reason: "revoked")
        return true
    }
}
