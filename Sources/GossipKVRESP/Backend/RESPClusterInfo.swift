import GossipKVCore

/// What a node tells about itself and its cluster: INFO's `cluster` section and MEMBERS.
public struct RESPClusterInfo: Sendable, Equatable {
    /// This node's id (hex) and name.
    public var nodeID: String
    public var nodeName: String
    /// The node's hybrid logical clock (its last timestamp).
    public var hlc: HLCTimestamp
    /// The replica's order-independent state hash; equal on two nodes when they hold the same map.
    public var stateHash: UInt64
    /// Every known member, this node included.
    public var members: [RESPMember]
    /// Extra `name:value` lines for INFO's `cluster` section (gossip counters and the like).
    public var extraFields: [RESPInfoField]

    public init(
        nodeID: String, nodeName: String, hlc: HLCTimestamp, stateHash: UInt64, members: [RESPMember],
        extraFields: [RESPInfoField] = []
    ) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.hlc = hlc
        self.stateHash = stateHash
        self.members = members
        self.extraFields = extraFields
    }
}

/// One cluster member as MEMBERS and INFO show it.
public struct RESPMember: Sendable, Equatable {
    public var nodeID: String
    public var name: String
    /// `host:port` of its gossip endpoint.
    public var address: String
    /// `alive`, `suspect`, `dead` or `left`.
    public var state: String
    /// `host:port` where it serves RESP clients (as it announced), or nil when unknown.
    public var clientAddress: String?
    public var isSelf: Bool
    /// How far this node is behind the member: entries it has not received, and the age of the
    /// oldest of them in milliseconds. Nil for this node, or when the member's digest is unknown.
    public var lagEntries: Int?
    public var lagMilliseconds: UInt64?

    public init(
        nodeID: String, name: String, address: String, state: String, clientAddress: String? = nil,
        isSelf: Bool = false, lagEntries: Int? = nil, lagMilliseconds: UInt64? = nil
    ) {
        self.nodeID = nodeID
        self.name = name
        self.address = address
        self.state = state
        self.clientAddress = clientAddress
        self.isSelf = isSelf
        self.lagEntries = lagEntries
        self.lagMilliseconds = lagMilliseconds
    }
}

/// One `name:value` line of INFO. Names must be single words; values single lines.
public struct RESPInfoField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
