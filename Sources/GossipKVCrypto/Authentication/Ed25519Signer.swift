import GossipKVCore

/// Signs envelopes with the node's Ed25519 key (DESIGN: digests, sync answers, pushes,
/// announcements and membership changes are always signed).
///
/// The authenticator is a detached 64-byte signature over the whole envelope up to the
/// authenticator, under `SigningContext.message` (`gossipkv-msg-v1`): Ed25519 signs
/// `BLAKE2b-512(context || envelope)`, see `SigningContext`. The envelope already holds the
/// cluster id, sender, recipient, boot epoch and sequence number, so a signature made for one
/// recipient or one moment cannot be replayed to another; `recipient` adds nothing here.
///
/// Signatures are hop by hop: they keep strangers, tampering and replays off the wire, but a
/// certified node can still sign false data in its own name.
public struct Ed25519Signer: MessageSigner {
    public let keyPair: NodeKeyPair

    public init(keyPair: NodeKeyPair) {
        self.keyPair = keyPair
    }

    public var authenticatorLength: Int { Ed25519.signatureByteCount }

    public func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        keyPair.sign(bytes[...], context: .message)
    }
}
