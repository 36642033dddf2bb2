import GossipKVCore

/// The cluster key's statement that a node id is no longer a member: its certificate, however
/// long it still runs, is void. Nodes that load it refuse the node's envelopes and
/// announcements (counted as `revoked`), drop it from their member list for good, drop its
/// entries, and gossip the record on (`RevocationNotice`; it is self-verifying).
///
/// Only a closed cluster can revoke: the open cluster has no key to sign with, and there any
/// node may rejoin under a fresh key anyway. Revocation is by node id, which is the hash of the
/// node's public key: the machine's key is void, so a machine that should come back needs a
/// new key and certificate (`gossipkv cert issue`).
///
/// Layout (integers big-endian), signed under `gossipkv-revoke-v1` so no certificate or message
/// signature can pass for one:
///
/// | field | bytes |
/// |---|---|
/// | version (1) | 1 |
/// | cluster id | 16 |
/// | node id | 16 |
/// | revoked at, Unix ms | 8 |
/// | signature by the cluster key | 64 |
public struct NodeRevocation: Hashable, Sendable {
    public static let currentVersion: UInt8 = 1
    public static let encodedLength = 1 + 16 + 16 + 8 + 64

    public let version: UInt8
    public let cluster: ClusterID
    public let nodeID: NodeID
    /// When the operator revoked it (Unix ms): for people reading the list, not a validity bound.
    public let revokedAt: UInt64
    public let signature: [UInt8]

    init(cluster: ClusterID, nodeID: NodeID, revokedAt: UInt64, signature: [UInt8]) {
        version = Self.currentVersion
        self.cluster = cluster
        self.nodeID = nodeID
        self.revokedAt = revokedAt
        self.signature = signature
    }

    /// Revokes `nodeID` with the cluster secret key.
    public static func issue(revoking nodeID: NodeID, by cluster: ClusterKeyPair, now: UInt64)
        -> NodeRevocation
    {
        let unsigned = NodeRevocation(
            cluster: cluster.clusterID, nodeID: nodeID, revokedAt: now, signature: [])
        let signature = cluster.sign(unsigned.signedBytes[...], context: .revocation)
        return NodeRevocation(
            cluster: cluster.clusterID, nodeID: nodeID, revokedAt: now, signature: signature)
    }

    /// Checks the revocation was made by `authority`'s cluster key.
    public func verify(authority: CertificateAuthority) throws(RevocationError) {
        guard case let .closed(clusterPublicKey) = authority else { throw .openCluster }
        guard cluster == authority.clusterID else {
            throw .wrongCluster(revocation: cluster, expected: authority.clusterID)
        }
        guard clusterPublicKey.isValidSignature(signature[...], over: signedBytes[...], context: .revocation)
        else {
            throw .badSignature(node: nodeID)
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.encodedLength)
        writeSignedFields(into: &writer)
        writer.write(contentsOf: signature)
        return writer.bytes
    }

    /// Decodes exactly one revocation filling `bytes`; does not verify it.
    public init(encoded bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8()
        guard version == Self.currentVersion else {
            throw .invalidField(
                "revocation.version (\(version); this node reads version \(Self.currentVersion))")
        }
        let cluster = ClusterID(rawValue: try reader.readNodeID())
        let nodeID = try reader.readNodeID()
        let revokedAt = try reader.readUInt64()
        let signature = try reader.readBytes(count: Ed25519.signatureByteCount)
        try reader.finish()
        self.init(cluster: cluster, nodeID: nodeID, revokedAt: revokedAt, signature: signature)
    }

    var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: Self.encodedLength)
        writeSignedFields(into: &writer)
        return writer.bytes
    }

    private func writeSignedFields(into writer: inout ByteWriter) {
        writer.write(version)
        writer.write(cluster.rawValue)
        writer.write(nodeID)
        writer.write(revokedAt)
    }
}

extension SigningContext {
    /// Node revocations, signed by the cluster key.
    public static let revocation = SigningContext("gossipkv-revoke-v1")
}

/// Why a revocation or a revocation list was refused. Each message says what to do.
public enum RevocationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The open cluster has no cluster key: nothing can sign or check a revocation.
    case openCluster
    case wrongCluster(revocation: ClusterID, expected: ClusterID)
    case badSignature(node: NodeID)
    /// The list revokes the node that loads it.
    case selfRevoked(node: NodeID)
    /// A line of a revocation list that is not a revocation.
    case malformed(origin: String, line: Int, reason: String)
    /// The list does not start with `RevocationList.header`.
    case notARevocationList(origin: String)
    case tooLarge(origin: String, limit: Int)

    public var description: String {
        switch self {
        case .openCluster:
            return
                "the open cluster has no cluster key, so nodes cannot be revoked in it; close the cluster "
                + "(--cluster-secret-file or `gossipkv init`) to be able to revoke"
        case let .wrongCluster(revocation, expected):
            return
                "revocation is for cluster \(revocation), not \(expected); make it with this cluster's key "
                + "(`gossipkv cert revoke --cluster-dir DIR`)"
        case let .badSignature(node):
            return
                "revocation of node \(node) has a bad signature: it was altered or not made by this cluster's "
                + "key; make it again with `gossipkv cert revoke`"
        case let .selfRevoked(node):
            return
                "this node (\(node)) is revoked by the list; give the machine a new key and certificate "
                + "(`gossipkv cert issue`)"
        case let .malformed(origin, line, reason):
            return
                "\(origin):\(line): not a revocation (\(reason)); remove the line or make it again with `gossipkv cert revoke`"
        case let .notARevocationList(origin):
            return
                "\(origin) is not a revocation list: its first line must be '\(RevocationList.header)' "
                + "(write one with `gossipkv cert revoke --out \(origin)`)"
        case let .tooLarge(origin, limit):
            return "\(origin) is larger than \(limit) bytes; a revocation list holds one short line per node"
        }
    }
}
