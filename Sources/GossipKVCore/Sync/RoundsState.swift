/// The per-peer state of anti-entropy exchanges: the rounds open, the requests out, the one
/// inbound transfer, and what holds rounds and bucket exchanges back while pushes flow. Kept
/// apart from `GossipEngine` (issue 11: the engine split into state structs, beside `PushQueue`
/// and `AnswerAssembly`) so that a peer's arrival and departure touch it in one place; the rules
/// that read it are in `GossipEngine+Transfers.swift` and `GossipEngine+BucketExchange.swift`.
struct RoundsState: Sendable {
    /// Peers we opened a round with and have not heard back from, or are answering, with the
    /// round's deadline.
    var open: [NodeID: UInt64] = [:]
    /// Peers we sent a request to, with its sync id (crossing requests, `admitRequest`).
    var sentRequests: [NodeID: UInt64] = [:]
    /// When a push last went to or came from each peer (`pushesFlow(with:now:)`).
    var lastPushWith: [NodeID: UInt64] = [:]
    /// When a push last went out or came in, with any peer (`pushesFlowThroughUs`,
    /// `mayExchangeBuckets`).
    var lastPushAt: UInt64?
    /// Since when pushes have held back a bucket exchange with each peer (`mayExchangeBuckets`).
    var bucketsDeferredSince: [NodeID: UInt64] = [:]
    /// The one exchange in flight that may bring us entries (`inboundTransfer(now:)`).
    var inbound: GossipEngine.InboundTransfer?
    /// Peers that held the inbound slot for an answer back and sent none, until when they may
    /// not take it that way again.
    var silentAnswerers: [NodeID: UInt64] = [:]

    /// Drops the state of every peer not in `peers`.
    mutating func keep(only peers: Set<NodeID>) {
        open = open.filter { peers.contains($0.key) }
        sentRequests = sentRequests.filter { peers.contains($0.key) }
        lastPushWith = lastPushWith.filter { peers.contains($0.key) }
        bucketsDeferredSince = bucketsDeferredSince.filter { peers.contains($0.key) }
        silentAnswerers = silentAnswerers.filter { peers.contains($0.key) }
        if let peer = inbound?.peer, !peers.contains(peer) { inbound = nil }
    }

    /// Drops the state of `peer` (it left the membership).
    mutating func forget(_ peer: NodeID) {
        open[peer] = nil
        sentRequests[peer] = nil
        lastPushWith[peer] = nil
        bucketsDeferredSince[peer] = nil
        silentAnswerers[peer] = nil
        if inbound?.peer == peer { inbound = nil }
    }
}
