/// What the node's composed core (`NodeCore`) asks its shell to do or to count: the engine's
/// and the membership's directives in one stream, minus what the core carries out itself
/// (membership `.summary` directives go to the engine; member changes update the engine's peers
/// before they are reported).
public enum NodeCoreDirective: Equatable, Sendable {
    /// Send `message` to `peer`, already encoded and framed (`OutboundFraming`): the frame's
    /// header names the channel (a datagram when the sealed envelope fits
    /// `Limits.maxDatagramBytes`, the stream otherwise) and its sequence number. The shell only
    /// signs the frame and writes it; frames to one peer on the stream MUST go in order.
    case send(OutboundMessage, OutboundFrame, to: NodeID)
    /// A message the codec refused to encode (the core never makes one: a bug, for the log).
    case unsendable(OutboundMessage, to: NodeID, reason: String)
    /// A remote entry changed the map (for change feeds, storage and expiry watches; local
    /// writes are known to the caller).
    case applied(Entry)
    /// Garbage collection dropped `entry`, a dead entry, from the map (reads see no difference).
    case collected(Entry)
    /// Something from `peer` was refused; the shell counts it by `NodeCoreRejection.label`.
    case rejected(NodeCoreRejection, from: NodeID)
    /// An anti-entropy answer from `peer` arrived whole; `adopted` tells whether its watermarks
    /// were adopted.
    case answerCompleted(from: NodeID, adopted: Bool)
    /// `member` changed state (`previous` is nil for a new member). The core has already made
    /// the engine's peers follow it, and a member that became active again already has a round
    /// (the `.send`s that follow); the shell logs it, updates gauges, asks for a certificate.
    case memberChanged(Member, previous: Member.State?)
    /// Gossip named a member this node does not know: the shell introduces itself at `address`
    /// (its announcement asks for the stranger's, which admits it through `NodeCore.admit`).
    case introduce(NodeID, at: MemberAddress)
}

/// A message the core wants sent: anti-entropy or SWIM. The shell encodes either the same way.
public enum OutboundMessage: Equatable, Sendable {
    case gossip(GossipMessage)
    case swim(SWIMMessage)

    /// The kind byte on the wire.
    public var kind: MessageKind {
        switch self {
        case let .gossip(message): return message.kind
        case let .swim(message): return message.kind
        }
    }
}

/// Why the core refused (part of) a message: the engine's reasons, and the membership's drops.
public enum NodeCoreRejection: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Refused by the anti-entropy engine, or by its clock check in front of the membership.
    case gossip(GossipRejection)
    /// Ignored by the membership state machine.
    case membership(MembershipDrop)

    /// A short, stable name for metrics labels: the engine's label, or `membership_` and the
    /// drop's label.
    public var label: String {
        switch self {
        case let .gossip(reason): return reason.label
        case let .membership(reason): return "membership_\(reason.label)"
        }
    }

    public var description: String {
        switch self {
        case let .gossip(reason): return reason.description
        case let .membership(reason): return reason.description
        }
    }
}
