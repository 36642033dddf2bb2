import GossipKVCore

/// The 16-byte id every envelope carries to say which cluster it belongs to.
///
/// A closed cluster's id is the first 16 bytes of BLAKE2b-256 of its cluster public key, like a
/// node id. The open cluster (no key: DESIGN's `default`) has the fixed id `ClusterID.open`,
/// the first 16 bytes of BLAKE2b-256 of the ASCII bytes `gossipkv-open-cluster:default`. No
/// public key hashes to it unless BLAKE2b is broken, so an open node's traffic can never pass
/// for a closed cluster's. A distinct type from `NodeID` so the two cannot be swapped; the
/// envelope's header carries `rawValue`.
public struct ClusterID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: NodeID

    public init(rawValue: NodeID) {
        self.rawValue = rawValue
    }

    /// The id of the closed cluster whose certificate authority is `publicKey`.
    public init(publicKey: SigningPublicKey) {
        rawValue = NodeID(publicKey: publicKey)
    }

    /// The preimage of `ClusterID.open`, kept here so the derivation is written down once.
    public static let openClusterLabel = "gossipkv-open-cluster:default"

    /// The open cluster `default`: every node admitted, every node self-certified.
    public static let open = ClusterID(rawValue: NodeID.truncatedHash(of: Array(openClusterLabel.utf8)))

    public var isOpen: Bool { self == .open }

    public var bytes: [UInt8] { rawValue.bytes }

    public static func < (lhs: ClusterID, rhs: ClusterID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `default` for the open cluster, otherwise the first 8 bytes in hex.
    public var description: String { isOpen ? "default" : rawValue.description }
}
