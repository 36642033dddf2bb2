/// Which SWIM probes and acks carry this node's anti-entropy summary (DESIGN, "Anti-entropy":
/// when idle, anti-entropy rides on SWIM).
///
/// A summary tells a peer nothing new while it is the one we last sent that peer: the peer
/// compared it already, and any change on the peer's side travels the other way, on the peer's
/// own probes and acks to us. So a probe or ack carries the summary only when it differs from
/// the last one sent to that peer, or when that one went out `refreshMilliseconds` ago or more:
/// a lost datagram, or a peer that forgot what it heard (restarted, or renewed as a member, and
/// then waiting for our digest before it collects garbage), delays a comparison by at most that
/// long. An idle cluster then sends 17 bytes less on most SWIM messages; a write still reaches
/// the comparison on the first probe or ack after it.
///
/// Bounded by the members: a peer's record goes when the membership reports it changed.
struct SummaryPacing: Sendable {
    struct Sent: Sendable {
        var summary: SyncSummary
        var at: UInt64
    }

    let refreshMilliseconds: UInt64
    private(set) var sent: [NodeID: Sent] = [:]

    init(refreshMilliseconds: UInt64) {
        self.refreshMilliseconds = refreshMilliseconds
    }

    /// Whether a message to `peer` at `now` carries `summary`; records it when it does.
    mutating func carries(_ summary: SyncSummary, to peer: NodeID, now: UInt64) -> Bool {
        if let last = sent[peer], last.summary == summary, now < last.at.addingSaturating(refreshMilliseconds)
        {
            return false
        }
        sent[peer] = Sent(summary: summary, at: now)
        return true
    }

    /// The next message to `peer` carries the summary whatever was sent before.
    mutating func forget(_ peer: NodeID) {
        sent[peer] = nil
    }

    /// `message` as it goes to `peer`: its summary kept or dropped (`carries`).
    mutating func paced(_ message: SWIMMessage, to peer: NodeID, now: UInt64) -> SWIMMessage {
        switch message {
        case let .ping(sequence, updates, summary?):
            return .ping(
                sequence: sequence, updates: updates,
                summary: carries(summary, to: peer, now: now) ? summary : nil)
        case let .ack(sequence, updates, summary?):
            return .ack(
                sequence: sequence, updates: updates,
                summary: carries(summary, to: peer, now: now) ? summary : nil)
        case .ping, .ack, .pingRequest, .nack:
            return message
        }
    }
}
