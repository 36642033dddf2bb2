import GossipKVCore

/// A node's Ed25519 identity: it signs every envelope the node sends, and its public key (in
/// the node's certificate) gives the node its id.
///
/// Copies share one wiped secret buffer; printing shows only the public half.
public struct NodeKeyPair: Sendable, CustomStringConvertible {
    let keys: Ed25519KeyPair

    public var publicKey: SigningPublicKey { keys.publicKey }

    /// `NodeID(publicKey:)`, computed once.
    public let nodeID: NodeID

    init(keys: Ed25519KeyPair) {
        self.keys = keys
        nodeID = NodeID(publicKey: keys.publicKey)
    }

    /// A fresh random key pair (`gossipkv init`, `gossipkv cert issue`).
    public static func generate() -> NodeKeyPair {
        NodeKeyPair(keys: .generate())
    }

    /// The key pair a 32-byte seed determines, as stored in a node key file.
    public init(seed: SecretBytes) throws(KeyError) {
        self.init(keys: try Ed25519KeyPair(seed: seed))
    }

    /// The 32-byte seed, for `KeyFile.write`.
    public var seed: SecretBytes { keys.seed }

    /// A detached 64-byte signature over `bytes` under `context` (see `SigningContext`).
    public func sign(_ bytes: ArraySlice<UInt8>, context: SigningContext) -> [UInt8] {
        keys.sign([bytes], context: context)
    }

    public var description: String { "NodeKeyPair(node \(nodeID), secret redacted)" }
}
