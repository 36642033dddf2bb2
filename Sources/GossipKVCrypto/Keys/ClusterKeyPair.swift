import GossipKVCore

/// A closed cluster's certificate authority: whoever holds the secret half can certify nodes.
/// It comes from a key file (`gossipkv init`) or from a passphrase
/// (`ClusterKeyPair(passphrase:clusterName:)`, `--cluster-secret-file`).
///
/// Copies share one wiped secret buffer; printing shows only the public half.
public struct ClusterKeyPair: Sendable, CustomStringConvertible {
    let keys: Ed25519KeyPair

    public var publicKey: SigningPublicKey { keys.publicKey }

    /// `ClusterID(publicKey:)`, computed once.
    public let clusterID: ClusterID

    init(keys: Ed25519KeyPair) {
        self.keys = keys
        clusterID = ClusterID(publicKey: keys.publicKey)
    }

    /// A fresh random cluster key (`gossipkv init`, `gossipkv cluster`).
    public static func generate() -> ClusterKeyPair {
        ClusterKeyPair(keys: .generate())
    }

    /// The key pair a 32-byte seed determines, as stored in a cluster key file.
    public init(seed: SecretBytes) throws(KeyError) {
        self.init(keys: try Ed25519KeyPair(seed: seed))
    }

    /// The 32-byte seed, for `KeyFile.write`.
    public var seed: SecretBytes { keys.seed }

    /// A detached 64-byte signature over `bytes` under `context` (see `SigningContext`).
    public func sign(_ bytes: ArraySlice<UInt8>, context: SigningContext) -> [UInt8] {
        keys.sign([bytes], context: context)
    }

    public var description: String { "ClusterKeyPair(cluster \(clusterID), secret redacted)" }
}
