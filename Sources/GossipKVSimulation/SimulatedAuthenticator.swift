import GossipKVCore

/// The simulator's stand-in for Ed25519 (DESIGN: signing is not simulated; the crypto layer has
/// its own tests): an 8-byte SipHash of the envelope keyed by the sender's id. Cheap, but it
/// still makes every envelope pass the real opener's checks, replay windows included.
struct SimulatedAuthenticator: MessageSigner, MessageVerifier {
    let sender: NodeID
    let knownSenders: Set<NodeID>

    var authenticatorLength: Int { 8 }

    func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        Self.tag(bytes[...], sender: sender)
    }

    func authenticatorLength(sender: NodeID) -> Int? {
        knownSenders.contains(sender) ? 8 : nil
    }

    func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool {
        Array(authenticator) == Self.tag(bytes, sender: sender)
    }

    static func tag(_ bytes: ArraySlice<UInt8>, sender: NodeID) -> [UInt8] {
        var hasher = StableHasher(key0: sender.high, key1: sender.low)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let value = hasher.finalize()
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
