/// What the membership state machine asks its shell to do or to know. The shell (the NIO node,
/// or a test harness) carries these out; the core does no I/O.
public enum MembershipDirective: Equatable, Sendable {
    /// Send `message` to the member `to` (the shell looks up its address).
    case send(SWIMMessage, to: NodeID)
    /// A member appeared (`previous` nil), changed state, or changed address. The shell tells
    /// the anti-entropy engine (`addPeer`/`removePeer`) and the operator's log.
    case memberChanged(Member, previous: Member.State?)
    /// A probe or ack carried the sender's anti-entropy summary: the shell MUST hand it to
    /// `GossipEngine.receive(.syncSummary(summary), from:...)`, which starts a round on a
    /// mismatch.
    case summary(SyncSummary, from: NodeID)
    /// A message, or part of one, from `from` was ignored; the shell counts it by reason
    /// (`MembershipDrop.label`).
    case dropped(MembershipDrop, from: NodeID)
    /// Gossip named a member this node does not know, at `address`. Gossip never inserts a
    /// member: the shell SHOULD send `address` its announcement asking for one back (rate-limited
    /// per address), and the stranger's own signed announcement admits it (`addMember`). The
    /// core emits this at most once per `MembershipConfig.strangerRetryMilliseconds` per
    /// stranger, for at most `maxPendingStrangers` strangers at a time.
    case introduce(NodeID, at: MemberAddress)
}

/// Why a message was ignored. None of these is an error of this node; most are late or
/// duplicated answers, which UDP makes normal.
public enum MembershipDrop: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The message claims to come from this node itself.
    case fromSelf
    /// An ack whose sequence number matches no probe, relay or reconnect in progress (late,
    /// duplicated, or from a node that was not asked).
    case unexpectedAck(sequence: UInt64)
    /// A nack that matches no relay of the current probe.
    case unexpectedNack(sequence: UInt64)
    /// A ping-request naming this node or the requester itself as the target.
    case invalidPingRequest
    /// A ping-request arrived while `MembershipConfig.maxPendingRelays` relays were in flight.
    case tooManyRelays
    /// A ping-request arrived after this node left the cluster.
    case hasLeft
    /// An update claimed an incarnation out of its sender's reach: above the sender's HLC plus
    /// the max clock offset (plus `refutationAllowance` about another member). Incarnations
    /// start at a boot epoch and grow by one per refutation, so only a liar or a broken node
    /// sends it; accepting `dead@UInt64.max` would evict a live member for good.
    case incarnationOutOfReach(member: NodeID, incarnation: UInt64)
    /// Gossip named an unknown member while `MembershipConfig.maxPendingStrangers` strangers
    /// were pending introduction.
    case tooManyStrangers(member: NodeID)

    /// A short, stable name for metrics labels.
    public var label: String {
        switch self {
        case .fromSelf: return "from_self"
        case .unexpectedAck: return "unexpected_ack"
        case .unexpectedNack: return "unexpected_nack"
        case .invalidPingRequest: return "invalid_ping_request"
        case .tooManyRelays: return "too_many_relays"
        case .hasLeft: return "has_left"
        case .incarnationOutOfReach: return "incarnation_out_of_reach"
        case .tooManyStrangers: return "too_many_strangers"
        }
    }

    public var description: String {
        switch self {
        case .fromSelf: return "message claims to come from this node"
        case let .unexpectedAck(sequence): return "ack \(sequence) matches no probe in progress"
        case let .unexpectedNack(sequence): return "nack \(sequence) matches no indirect probe in progress"
        case .invalidPingRequest: return "ping-request targets this node or its sender"
        case .tooManyRelays: return "too many indirect probes in flight; ping-request refused"
        case .hasLeft: return "this node has left the cluster and relays no probes"
        case let .incarnationOutOfReach(member, incarnation):
            return "update about \(member) claims incarnation \(incarnation), beyond its sender's clock"
        case let .tooManyStrangers(member):
            return "too many unknown members pending introduction; \(member) ignored"
        }
    }
}

/// The named answer of `Membership.addMember`, so that discovery can log and count what it did
/// with a stranger (the style of swift-cluster-membership's `addMember`).
public enum AddMemberResult: Equatable, Sendable {
    /// A new member, now probed and gossiped as alive.
    case added
    /// A known member with a higher incarnation than known: it restarted (its boot epoch grew),
    /// so it is alive again at the given address, whatever `previous` state it had.
    case renewed(previous: Member.State)
    /// Known with this very incarnation, in `state`; nothing changed.
    case alreadyKnown(Member.State)
    /// Known with a higher incarnation than the one offered (an old announcement); ignored.
    case newerIncarnationKnown(UInt64)
    /// The id is this node's own.
    case isSelf
    /// The member was excluded for good (`Membership.exclude`: a revoked certificate).
    case excluded
}
