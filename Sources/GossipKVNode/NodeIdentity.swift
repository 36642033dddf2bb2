import GossipKVCore
import GossipKVCrypto

/// Who a node is and which nodes it admits: its key pair, its certificate, and the cluster's
/// certificate authority.
///
/// Three ways to make one (DESIGN, "What a user does"):
/// - `open`: a self-signed certificate for cluster `default`; any node is admitted, but every
///   message is still signed, so tampering and replay are caught.
/// - `passphrase`: the cluster key is derived from words (Argon2id); every holder of the words
///   can certify nodes, as with Serf's shared key.
/// - `files`: a node key, a certificate issued by `gossipkv cert issue`, and the cluster public
///   key; the cluster secret key stays with the operator.
public struct NodeIdentity: Sendable {
    public var keyPair: NodeKeyPair
    public var certificate: NodeCertificate
    public var authority: CertificateAuthority
    /// True when the key was loaded from disk: the id may have been used by an earlier run, so
    /// the node waits out the max clock offset before its first write.
    public var isPersistent: Bool
    /// The cluster's first data key, which a closed cluster encrypts gossip with unless the data
    /// directory holds a keyring already (`DataKeyring`): derived from the passphrase's
    /// cluster key, or read from `data.key` beside the key files. Nil for an open cluster, and
    /// for a closed identity built without one (then the node signs but does not encrypt, and
    /// says so).
    public var dataKey: DataKey?

    public init(
        keyPair: NodeKeyPair, certificate: NodeCertificate, authority: CertificateAuthority,
        isPersistent: Bool,
        dataKey: DataKey? = nil
    ) {
        self.keyPair = keyPair
        self.certificate = certificate
        self.authority = authority
        self.isPersistent = isPersistent
        self.dataKey = dataKey
    }

    public var nodeID: NodeID { keyPair.nodeID }
    public var clusterID: ClusterID { authority.clusterID }
    public var isOpen: Bool { authority == .open }

    public static func open(
        name: String, keyPair: NodeKeyPair = .generate(), isPersistent: Bool = false, now: UInt64
    )
        throws -> NodeIdentity
    {
        let certificate = try NodeCertificate.selfSigned(by: keyPair, name: name, now: now)
        return NodeIdentity(
            keyPair: keyPair, certificate: certificate, authority: .open, isPersistent: isPersistent)
    }

    /// Derives the cluster key from `words` and `clusterName` (a few seconds of Argon2id
    /// MODERATE, once at start; `default` is refused, see `ClusterKeyPair(passphrase:clusterName:)`)
    /// and certifies this node with it.
    public static func passphrase(
        _ words: String, clusterName: String, name: String, keyPair: NodeKeyPair = .generate(),
        isPersistent: Bool = false, now: UInt64
    ) throws -> NodeIdentity {
        try passphrase(
            words, clusterName: clusterName, cost: .moderate, name: name, keyPair: keyPair,
            isPersistent: isPersistent, now: now)
    }

    /// The same at another Argon2id cost: package access, for tests (`PassphraseCost.testing`).
    package static func passphrase(
        _ words: String, clusterName: String, cost: PassphraseCost, name: String,
        keyPair: NodeKeyPair = .generate(), isPersistent: Bool = false, now: UInt64
    ) throws -> NodeIdentity {
        let cluster = try ClusterKeyPair(passphrase: words, clusterName: clusterName, cost: cost)
        let certificate = try NodeCertificate.issue(
            nodePublicKey: keyPair.publicKey, name: name, by: cluster, now: now)
        return NodeIdentity(
            keyPair: keyPair, certificate: certificate,
            authority: .closed(clusterPublicKey: cluster.publicKey), isPersistent: isPersistent,
            dataKey: cluster.dataKey)
    }

    /// Reads `node.key`, `node.cert`, `cluster.pub` and, when present, `data.key` from
    /// `directory` (as `gossipkv init` and `gossipkv cert issue` write them) and checks that they
    /// belong together.
    public static func files(in directory: String, now: UInt64) throws -> NodeIdentity {
        let keyPair = try KeyFile.readNodeKeyPair(from: directory + "/" + IdentityFiles.nodeKey)
        let certificate = try KeyFile.readCertificate(from: directory + "/" + IdentityFiles.nodeCertificate)
        let clusterKey = try KeyFile.readClusterPublicKey(
            from: directory + "/" + IdentityFiles.clusterPublicKey)
        let authority = CertificateAuthority.closed(clusterPublicKey: clusterKey)
        guard certificate.nodePublicKey == keyPair.publicKey else {
            throw IdentityError.certificateForAnotherKey(directory: directory)
        }
        let verdict = certificate.verify(authority: authority, now: now)
        guard verdict.isValid else { throw IdentityError.invalidCertificate(verdict) }
        let dataKeyPath = directory + "/" + IdentityFiles.dataKey
        let dataKey: DataKey?
        do {
            dataKey = try KeyFile.readDataKey(from: dataKeyPath)
        } catch .missing {
            dataKey = nil
        }
        return NodeIdentity(
            keyPair: keyPair, certificate: certificate, authority: authority, isPersistent: true,
            dataKey: dataKey)
    }
}

/// File names inside a node's key directory.
public enum IdentityFiles {
    public static let nodeKey = "node.key"
    public static let nodeCertificate = "node.cert"
    public static let clusterPublicKey = "cluster.pub"
    public static let clusterSecretKey = "cluster.key"
    /// The cluster's first data key (derived from the cluster key), for encryption.
    public static let dataKey = "data.key"
}

public enum IdentityError: Error, CustomStringConvertible {
    case certificateForAnotherKey(directory: String)
    case invalidCertificate(CertificateVerification)

    public var description: String {
        switch self {
        case let .certificateForAnotherKey(directory):
            return "\(directory)/\(IdentityFiles.nodeCertificate) certifies a different key than "
                + "\(directory)/\(IdentityFiles.nodeKey); issue a new one with `gossipkv cert issue`"
        case let .invalidCertificate(verdict):
            return
                "this node's certificate is not valid: \(verdict); issue a new one with `gossipkv cert issue`"
        }
    }
}
