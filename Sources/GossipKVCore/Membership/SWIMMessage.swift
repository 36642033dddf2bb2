/// The messages of the failure detector (SWIM, Das et al. 2002, section 3; Lifeguard, Dadgar et
/// al. 2017, section 4.3 for `nack`). Every one of them but `nack` piggybacks membership updates
/// (section 4.1), and probes and acks carry the sender's anti-entropy summary so that an idle
/// cluster compares replicas on the probes it sends anyway (DESIGN, "Anti-entropy").
///
/// Sequence numbers belong to the node that chose them: an ack or nack echoes the sequence
/// number of the ping or ping-request it answers.
public enum SWIMMessage: Equatable, Sendable {
    /// "Are you there?" Sent by a prober to its target, and by a relay on behalf of a prober.
    case ping(sequence: UInt64, updates: [MemberUpdate], summary: SyncSummary?)
    /// The answer to a ping, sent back to whoever sent it. A relay that hears its target's ack
    /// forwards an ack with the prober's sequence number to the prober: that is the relayed ack.
    case ack(sequence: UInt64, updates: [MemberUpdate], summary: SyncSummary?)
    /// "Please ping `target` for me and relay its ack" (SWIM section 3.1, indirect probe).
    case pingRequest(sequence: UInt64, target: NodeID, updates: [MemberUpdate])
    /// From a relay to the prober: "`target` did not answer me within the probe timeout." Proves
    /// the prober can still hear its peers, so a failed probe with all its nacks in is not held
    /// against the prober's own health (Lifeguard section 4.3).
    case nack(sequence: UInt64)

    /// The membership updates the message carries (none for a nack).
    public var updates: [MemberUpdate] {
        switch self {
        case let .ping(_, updates, _), let .ack(_, updates, _), let .pingRequest(_, _, updates):
            return updates
        case .nack: return []
        }
    }

    /// The anti-entropy summary the message carries, if any.
    public var summary: SyncSummary? {
        switch self {
        case let .ping(_, _, summary), let .ack(_, _, summary): return summary
        case .pingRequest, .nack: return nil
        }
    }

    public var sequence: UInt64 {
        switch self {
        case let .ping(sequence, _, _), let .ack(sequence, _, _), let .pingRequest(sequence, _, _),
            let .nack(sequence):
            return sequence
        }
    }
}
