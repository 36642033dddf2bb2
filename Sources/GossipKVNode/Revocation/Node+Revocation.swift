import GossipKVCore
import GossipKVCrypto

/// Revoked nodes (`gossipkv cert revoke`; issue 13, "revocation that gossips"). A revocation is
/// signed by the cluster key and travels like data: a node that learns one (from `--revocations`,
/// `revoke(_:)` or a peer's `RevocationNotice`) verifies it, keeps it in its data directory
/// (`RevocationFiles`), and sends it on to every active member; it sends everything it holds to
/// a member that becomes active (a node back from away) and to one random member with each of
/// its periodic announcements, so a lost datagram or a node that was away catches up.
///
/// A revoked node's envelopes and announcements are refused before any signature check and
/// counted as `revoked`; it leaves the member list for good, and no certificate for its key is
/// admitted again (`RevocationBook`). Its entries are dropped and refused on every node that
/// learns the revocation, whoever relays them: origins are traced back to nodes through the
/// (node, data epoch) pairs of announcements and notices (`OriginClaim`, `Replica.bar`). An
/// origin no running node can trace (an epoch never announced) is kept like an honest one.
extension Node {
    /// Applies every revocation in `list` that is new and spreads it; returns the newly revoked
    /// ids. Throws, applying nothing, when any revocation does not verify under this cluster's
    /// key, or when it revokes this node itself.
    @discardableResult
    public func revoke(_ list: RevocationList) throws(RevocationError) -> Set<NodeID> {
        let nodes = try list.verified(authority: configuration.identity.authority)
        guard !nodes.contains(id) else { throw .selfRevoked(node: id) }
        return learn(list.revocations, claims: [], now: WallClock.nowMilliseconds())
    }

    /// The nodes this node holds revoked.
    public var revokedNodes: Set<NodeID> { Set(revocationBook.revokedNodes) }

    /// True (and counted) when `sender` is revoked: the packet is dropped unread.
    func refusedAsRevoked(_ sender: NodeID) -> Bool {
        guard verifier.revoked.contains(sender) else { return false }
        metrics.rejected(reason: "revoked")
        return true
    }

    /// Takes verified revocations and origin claims in; what is new is applied (refused sender,
    /// member dropped, origins barred), persisted and sent on to every active member. Returns
    /// the newly revoked nodes.
    @discardableResult
    func learn(_ revocations: [NodeRevocation], claims: [OriginClaim], now: UInt64) -> Set<NodeID> {
        var added: Set<NodeID> = []
        for revocation in revocations where revocation.nodeID != id && revocationBook.add(revocation) {
            let node = revocation.nodeID
            added.insert(node)
            verifier.revoke(node)
            let (directives, dropped) = core.revoke(node, origins: revocationBook.origins(of: node), now: now)
            carryOut(directives)
            metrics.revokedEntriesDropped(dropped.count)
            logger.warning(
                "node \(node) is revoked: its messages are refused and \(dropped.count) of its entries dropped"
            )
        }
        var newClaims = 0
        for claim in claims where revocationBook.add(claim) {
            newClaims += 1
            let dropped = core.bar([claim.origin], now: now)
            metrics.revokedEntriesDropped(dropped.count)
        }
        guard !added.isEmpty || newClaims > 0 else { return added }
        persistRevocations()
        for member in core.members where member.state.isActive && member.id != id {
            sendRevocations(to: member.id, now: now)
        }
        refreshTimer()
        return added
    }

    /// A member's notice: each record not known yet is checked against the cluster key (a
    /// member can relay revocations, not make them); the claims are self-verifying.
    func receiveRevocations(_ body: ArraySlice<UInt8>, from sender: NodeID, now: UInt64) {
        let notice: RevocationNotice
        do {
            notice = try RevocationNotice(decoding: body)
        } catch {
            metrics.rejected(reason: "invalid_body")
            return
        }
        var verified: [NodeRevocation] = []
        for bytes in notice.records {
            guard let revocation = try? NodeRevocation(encoded: bytes) else {
                metrics.rejected(reason: "revocation_malformed")
                continue
            }
            if revocationBook.isRevoked(revocation.nodeID) { continue }
            metrics.authenticatorChecked()
            do {
                try revocation.verify(authority: configuration.identity.authority)
            } catch {
                metrics.rejected(reason: "revocation_invalid")
                logger.debug("refused a revocation relayed by \(sender): \(error)")
                continue
            }
            if revocation.nodeID == id {
                logger.error("\(RevocationError.selfRevoked(node: id))")
                continue
            }
            verified.append(revocation)
        }
        learn(verified, claims: notice.claims, now: now)
    }

    /// Sends everything this node knows about revocation to `peer` (nothing when it knows of none).
    func sendRevocations(to peer: NodeID, now: UInt64) {
        for notice in revocationBook.notices {
            do {
                let body = try notice.encoded()
                sendSealed(core.frame(kind: .revocations, body: body, to: peer, now: now), to: peer)
            } catch {
                logger.error("could not encode a revocation notice: \(error)")
            }
        }
    }

    /// Sends everything to the members that joined or came back during the last input. After the
    /// input, not at once: a member admitted from its announcement gets our answering
    /// announcement first, or it would drop a notice from a sender it does not know yet.
    func sendOwedRevocations() {
        guard !revocationBook.owed.isEmpty else { return }
        let owed = revocationBook.owed.sorted()
        revocationBook.owed.removeAll()
        let now = WallClock.nowMilliseconds()
        for peer in owed { sendRevocations(to: peer, now: now) }
    }

    /// Anti-entropy for revocations, with each periodic announcement: one random active member
    /// gets everything this node holds.
    func repairRevocations(now: UInt64) {
        guard !revocationBook.isEmpty else { return }
        let candidates = core.members.filter { $0.state.isActive && $0.id != id }
        guard !candidates.isEmpty else { return }
        let peer = candidates[Int(random.next() % UInt64(candidates.count))].id
        sendRevocations(to: peer, now: now)
    }

    /// A signed announcement names the data epoch its sender writes under.
    func recordAnnouncedEpoch(of node: NodeID, epoch: UInt64, now: UInt64) {
        let claim = OriginClaim(node: node, epoch: epoch)
        revocationBook.registry.record(claim)
        // Not expected (a revoked node's announcements are refused), but a claim about a revoked
        // node is a claim like any other.
        if revocationBook.isRevoked(node) { learn([], claims: [claim], now: now) }
    }

    func persistRevocations() {
        guard let directory = configuration.storage?.directory else { return }
        do {
            try RevocationFiles.save(revocationBook, directory: directory)
        } catch {
            logger.error(
                "could not save the revocations in \(directory): \(error); they hold until this node stops")
        }
    }
}
