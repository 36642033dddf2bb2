/// One member of the cluster as this node sees it.
///
/// Dead and left members are kept, not forgotten: their entries and watermarks stay in the map
/// (DESIGN, "Anti-entropy"), operators want to see them in `gossipkv members`, and remembering
/// their incarnation is what lets a stale "alive" be ignored and a restart be recognised.
public struct Member: Equatable, Sendable {
    /// SWIM's member states (Das et al. 2002, section 4.2) plus `left` for a graceful leave.
    ///
    /// The raw value is the order of precedence between two reports with the same incarnation:
    /// `suspect` overrides `alive`, and `dead` and `left` override both (section 4.2: "Suspect
    /// overrides Alive", "Confirm overrides all"). A higher incarnation overrides any state.
    /// Stable wire values: never renumber.
    public enum State: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
        case alive = 0
        case suspect = 1
        case dead = 2
        /// Left on purpose (`Membership.leave`); like `dead`, but announced by the member itself.
        case left = 3

        /// Alive and suspect members are probed and count towards the cluster size; dead and left
        /// ones are only reported.
        public var isActive: Bool { self == .alive || self == .suspect }

        public static func < (lhs: State, rhs: State) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .alive: return "alive"
            case .suspect: return "suspect"
            case .dead: return "dead"
            case .left: return "left"
            }
        }
    }

    public var id: NodeID
    public var address: MemberAddress
    /// SWIM's incarnation number: only the member itself raises it, to refute a suspicion or to
    /// announce that it left. It starts at the member's boot epoch (an HLC value), so a restarted
    /// node starts above anything its previous run could have reached and refutes its old death
    /// (DESIGN, "The envelope and authentication").
    public var incarnation: UInt64
    public var state: State
    /// When this node last received a message from the member directly, or an ack relayed for it
    /// (physical milliseconds of this node's clock); nil if never.
    public var lastHeardAt: UInt64?

    public init(
        id: NodeID, address: MemberAddress, incarnation: UInt64, state: State, lastHeardAt: UInt64? = nil
    ) {
        self.id = id
        self.address = address
        self.incarnation = incarnation
        self.state = state
        self.lastHeardAt = lastHeardAt
    }

    /// What other nodes are told about this member.
    public var update: MemberUpdate {
        MemberUpdate(id: id, address: address, incarnation: incarnation, state: state)
    }
}

/// A membership change as it is gossiped: piggybacked on SWIM messages and on anti-entropy
/// messages (SWIM section 4.1, "infection-style dissemination").
public struct MemberUpdate: Equatable, Sendable, CustomStringConvertible {
    /// Most updates one message may carry. Decoders reject more, and `Membership` never puts
    /// more in a message, so a peer cannot make a node loop over a huge list.
    public static let maxPerMessage = 64

    public var id: NodeID
    public var address: MemberAddress
    public var incarnation: UInt64
    public var state: Member.State

    public init(id: NodeID, address: MemberAddress, incarnation: UInt64, state: Member.State) {
        self.id = id
        self.address = address
        self.incarnation = incarnation
        self.state = state
    }

    /// Whether this report replaces what is known as `(incarnation, state)`: a higher
    /// incarnation always does; at the same incarnation, only a state of higher precedence does.
    public func supersedes(incarnation known: UInt64, state knownState: Member.State) -> Bool {
        incarnation > known || (incarnation == known && state > knownState)
    }

    public var description: String { "\(id) \(state)@\(incarnation) \(address)" }
}
