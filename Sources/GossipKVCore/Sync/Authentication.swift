/// Makes the authenticator that closes every envelope. The crypto layer implements it with
/// Ed25519 (or a per-pair MAC for SWIM probes); the simulator with a cheap keyed checksum.
public protocol MessageSigner: Sendable {
    /// Exact length of every authenticator this signer makes.
    var authenticatorLength: Int { get }
    /// The authenticator over `bytes` (the whole envelope up to the authenticator), for `recipient`.
    func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8]
}

/// Checks authenticators. Must compare in constant time.
public protocol MessageVerifier: Sendable {
    /// Length of the authenticators `sender` makes, or nil when `sender` is unknown.
    func authenticatorLength(sender: NodeID) -> Int?
    func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool
}
