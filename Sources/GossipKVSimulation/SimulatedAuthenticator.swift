import GossipKVCore

/// The simulator's stand-in for Ed25519 (DESIGN: signing is not simulated; the crypto layer has
/// its own tests): an 8-byte SipHash of the envelope keyed by the sender's id, repeated to the
/// length of an Ed25519 signature (`Envelope.signatureByteCount`), so that envelopes have the
/// node's sizes and the core's channel choice (`OutboundFraming`) meets the node's boundary.
/// Cheap, but it still makes every envelope pass the real opener's checks, replay windows
/// included.
struct SimulatedAuthenticator: MessageSigner, MessageVerifier {
    let sender: NodeID
    let knownSenders: Set<NodeID>

    /// As long as the node's signature.
    static let length = Envelope.signatureByteCount
    /// The simulator models a closed cluster, whose node seals every envelope in a 45-byte
    /// sealed frame (XChaCha20-Poly1305: marker, key id, 24-byte nonce, 16-byte tag;
    /// `SealedFrame`). Encryption itself is not simulated, but its bytes count: the core's
    /// channel choice and the byte figures see the node's real sizes on the wire.
    static let sealOverhead = SealedFrame.overhead

    var authenticatorLength: Int { Self.length }

    func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        Self.tag(bytes[...], sender: sender)
    }

    func authenticatorLength(sender: NodeID) -> Int? {
        knownSenders.contains(sender) ? Self.length : nil
    }

    func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool {
        Array(authenticator) == Self.tag(bytes, sender: sender)
    }

    static func tag(_ bytes: ArraySlice<UInt8>, sender: NodeID) -> [UInt8] {
        var hasher = StableHasher(key0: sender.high, key1: sender.low)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let value = hasher.finalize()
        return (0..<length).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0 % 8))) }
    }
}
