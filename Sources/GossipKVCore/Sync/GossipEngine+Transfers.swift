/// Who sends a node which entries, so that each write crosses each link about once (issue 12).
///
/// Measured before: a 100k-write burst cost 221 B per write and receiver with 2 receivers and
/// 2,954 B with 9 (one copy is about 80 B), and a returning node got 2-8 copies of what it
/// missed. Three rules here, beside the pending links (`PendingLinks`) that keep watermarks
/// moving under reordering:
///
/// 1. **A push tree, not random relays.** Fresh writes go from their node down a two-level tree
///    over the members in node-id order, rotated to start at the writer: the writer pushes to
///    the next `width` members (`width` = max(fanout, ⌈√(N-1)⌉)), and the member at position
///    `j` of those relays to positions `j + width`, `j + 2·width`, … Every member computes the
///    same tree from the same view, so each write reaches each member once, in two hops, and no
///    node sends more than about √N copies of a datagram. Random relays to three peers each sent
///    every receiver 1-3 copies at N ≤ 10 and still missed 18% of the receivers at N = 20. Where
///    views differ (membership changing), a relay falls back to random peers; anti-entropy
///    catches what the tree missed.
/// 2. **No round with a peer that pushes flow to or from.** A push in the last gossip interval
///    means the pair is being kept up to date; a round then would only ship the writes in
///    flight. A node whose pushes skip a write still learns of it: its links wait above the gap
///    (`Replica.hasGap`), and a gap still open after an interval lifts the rule (reordering
///    fills a gap within milliseconds); its rounds with other peers continue, and rounds with
///    this peer resume an interval after the pushes stop. (With membership, the summary on
///    every probe and ack starts a round on a mismatch whatever the pushes.)
/// 3. **One inbound transfer at a time, and one exchange per pair.** A node asks one peer at a
///    time (its other round partners get its summary, and ask it if they differ), and while an
///    exchange that may bring it entries is in flight (the answer to its request, or the answer
///    back to its answer) it declines other peers' requests that would bring it more (an empty
///    answer without a digest: they adopt nothing and ask again later). Crossing requests between a pair: the one
///    from the lower node id is answered. So a node back from a partition or a restart gets
///    what it missed from one peer, not from every peer that noticed it at once.
///    A peer that held the slot through an answer and never answered back cannot take it that
///    way again for `recentChangeMilliseconds`, so a liar cannot keep the slot for itself.
/// 4. **Rounds wait for the disk.** A node advertises only what is durable, so a round opened
///    while its disk lags what it holds draws back the writes of the last fsync interval
///    (`roundsWaitForDurability`).
extension GossipEngine {
    /// The exchange that may bring this node entries, if one is in flight.
    struct InboundTransfer: Sendable {
        enum Kind: Sendable {
            /// We sent a request and await its answer.
            case answer
            /// We answered a request whose digest claims more than ours and await the answer back.
            case answerBack
        }

        var peer: NodeID
        var kind: Kind
        var startedAt: UInt64
        var until: UInt64
        var progressed = false
    }

    // MARK: The push tree

    /// How many members the writer pushes to: the tree's width.
    static func pushTreeWidth(memberCount: Int, fanout: Int) -> Int {
        let others = memberCount - 1
        var width = max(1, fanout)
        while width * width < others { width += 1 }
        return min(width, max(others, 0))
    }

    /// The members `me` sends a push of writes made at `root` to, in the tree over `members`
    /// (sorted, `me` and `root` among them): the writer's children, or a child's share of the
    /// rest. Nil when `me` is not a child of `root` in this view (the caller falls back).
    static func pushTreeTargets(members: [NodeID], root: NodeID, me: NodeID, fanout: Int) -> [NodeID]? {
        guard let rootIndex = members.firstIndex(of: root), let myIndex = members.firstIndex(of: me) else {
            return nil
        }
        let count = members.count
        let width = pushTreeWidth(memberCount: count, fanout: fanout)
        func member(atPosition position: Int) -> NodeID { members[(rootIndex + position) % count] }
        if root == me { return width == 0 ? [] : (1...width).map(member(atPosition:)) }
        let position = (myIndex - rootIndex + count) % count
        guard position >= 1, position <= width else { return nil }
        return Array(stride(from: position + width, to: count, by: width)).map(member(atPosition:))
    }

    /// The peers a push of writes made at `root` goes to from here (`root` is us for our own
    /// writes, else the node whose push we relay).
    mutating func pushTargets(root: NodeID) -> [NodeID] {
        let members = (peers + [replica.id]).sorted()
        if let targets = Self.pushTreeTargets(
            members: members, root: root, me: replica.id, fanout: config.fanout)
        {
            return targets
        }
        return choosePeers(config.fanout, excluding: [root])
    }

    // MARK: Pairs and the inbound slot

    /// Notes whether writes wait above a gap now (since when, if they did already).
    mutating func noteGap(now: UInt64) {
        if replica.pendingLinkCount.waiting == 0 {
            gapSince = nil
        } else if gapSince == nil {
            gapSince = now
        }
    }

    /// Whether some write has waited above a gap for a gossip interval: no reordering then.
    func gapIsStale(now: UInt64) -> Bool {
        gapSince.map { now >= $0.addingSaturating(config.gossipIntervalMilliseconds) } ?? false
    }

    /// Whether a round we would open now should wait for the shell to make our writes durable.
    /// We advertise only what is durable (`advertisedDigest`), so while the disk lags what we
    /// hold, every answer to us resends the writes of the last fsync interval, which we hold
    /// already: during a burst that was most of the traffic. So rounds wait while the lag is
    /// fresh; a gap open for an interval does not wait, and a lag that lasts (writes that never
    /// stop) lets one round through per second.
    mutating func roundsWaitForDurability(now: UInt64) -> Bool {
        guard durableLagIsFresh(now: now) else { return false }
        return true
    }

    /// Whether the digest we advertise lags what we hold, and has for less than
    /// `longestRoundWaitMilliseconds` (then it counts as fresh again from now: one exchange
    /// per second gets through a lag that lasts).
    mutating func durableLagIsFresh(now: UInt64) -> Bool {
        guard durableDigest != nil, advertisedDigest != replica.digest, !gapIsStale(now: now) else {
            durableLagSince = nil
            return false
        }
        let since = durableLagSince ?? now
        if now >= since.addingSaturating(Self.longestRoundWaitMilliseconds) {
            durableLagSince = now
            return false
        }
        durableLagSince = since
        return true
    }

    /// The longest a lagging disk holds our rounds back.
    static let longestRoundWaitMilliseconds: UInt64 = 1_000

    /// Whether pushes went to or came from `peer` in the last gossip interval.
    func pushesFlow(with peer: NodeID, now: UInt64) -> Bool {
        guard let last = rounds.lastPushWith[peer] else { return false }
        return now < last.addingSaturating(config.gossipIntervalMilliseconds)
    }

    /// Whether a push went out or came in, with any peer, in the last gossip interval.
    func pushesFlowThroughUs(now: UInt64) -> Bool {
        guard let last = rounds.lastPushAt else { return false }
        return now < last.addingSaturating(config.gossipIntervalMilliseconds)
    }

    /// The inbound slot, after expiring it if its time is up. A peer that held it for an answer
    /// back and sent nothing is not let in that way again for a while.
    mutating func inboundTransfer(now: UInt64) -> InboundTransfer? {
        guard let transfer = rounds.inbound else { return nil }
        if now < transfer.until { return transfer }
        if transfer.kind == .answerBack && !transfer.progressed {
            rounds.silentAnswerers[transfer.peer] = now.addingSaturating(config.recentChangeMilliseconds)
        }
        rounds.inbound = nil
        return nil
    }

    mutating func holdInbound(for peer: NodeID, kind: InboundTransfer.Kind, now: UInt64) {
        rounds.inbound = InboundTransfer(
            peer: peer, kind: kind, startedAt: now,
            until: now.addingSaturating(config.inboundWaitMilliseconds))
    }

    /// A chunk from `peer` arrived: the slot it holds stays while chunks keep coming (up to the
    /// sync timeout), and is let go when the answer is complete.
    mutating func noteInboundProgress(from peer: NodeID, complete: Bool, now: UInt64) {
        guard var transfer = rounds.inbound, transfer.peer == peer else { return }
        if complete {
            rounds.inbound = nil
            return
        }
        transfer.progressed = true
        let cap = transfer.startedAt.addingSaturating(config.syncTimeoutMilliseconds)
        transfer.until = min(cap, max(transfer.until, now.addingSaturating(config.inboundWaitMilliseconds)))
        rounds.inbound = transfer
    }

    /// Lets go of the slot if `peer` holds it (its round closed, or it left).
    mutating func releaseInbound(from peer: NodeID) {
        if rounds.inbound?.peer == peer { rounds.inbound = nil }
    }

    /// Whether `digest` claims more than `ours` for an origin other than our own (we never take
    /// a peer's claim about our own writes): then the answer back to our answer brings entries.
    func claimsMore(_ digest: Digest, than ours: Digest) -> Bool {
        digest.watermarks.contains { $0.key != replica.origin && $0.value > ours[$0.key] }
    }

    /// A request we decline for now: an empty answer without a digest, so the asker closes its
    /// round, adopts nothing, answers nothing back, and asks again later.
    static func declining(_ request: SyncRequest) -> SyncAnswer {
        SyncAnswer(syncID: request.syncID, index: 0, count: 1, phase: .answer, digest: nil, entries: [])
    }

    /// What to do with a request from `sender`: nil to answer it, else the reply instead (empty:
    /// drop it). Takes the inbound slot when the answer back will bring us entries.
    mutating func admitRequest(_ request: SyncRequest, from sender: NodeID, now: UInt64) -> [GossipDirective]?
    {
        if rounds.sentRequests[sender] != nil, rounds.open[sender] != nil {
            // Crossing requests: the lower node id's is answered, and its sender answers back.
            if replica.id < sender { return [] }
            rounds.sentRequests[sender] = nil
            releaseInbound(from: sender)
        }
        // The answer back is computed against the digest we advertise (what is durable).
        guard claimsMore(request.digest, than: advertisedDigest) else { return nil }
        // It would resend only what we hold but have not made durable yet: ask again later.
        if !claimsMore(request.digest, than: replica.digest), durableLagIsFresh(now: now) {
            return [.send(.syncAnswer(Self.declining(request)), to: sender)]
        }
        if let transfer = inboundTransfer(now: now), transfer.peer != sender {
            return [.send(.syncAnswer(Self.declining(request)), to: sender)]
        }
        if let until = rounds.silentAnswerers[sender] {
            if now < until { return [.send(.syncAnswer(Self.declining(request)), to: sender)] }
            rounds.silentAnswerers[sender] = nil
        }
        holdInbound(for: sender, kind: .answerBack, now: now)
        return nil
    }
}
