/// Makes the authenticator that closes every envelope. The crypto layer implements it with
/// Ed25519 (or a per-pair MAC for SWIM probes); the simulator with a cheap keyed checksum.
public protocol MessageSigner: Sendable {
    /// Exact length of every authenticator this signer makes.
    var authenticatorLength: Int { get }
    /// The authenticator over `bytes` (the whole envelope up to the authenticator), for `recipient`.
    func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8]
}

/// Checks authenticators. Must compare in constant time.
///
/// A sender has one main authenticator (`authenticatorLength(sender:)`, an Ed25519 signature in
/// production). A verifier MAY take a second, shorter one on some kinds: the node takes a
/// per-pair MAC on SWIM messages (DESIGN, "The envelope and authentication"). The frame's own
/// lengths tell which one it carries (header, declared body, then the rest), so no header field
/// is needed, and a sender without a pair key simply signs.
public protocol MessageVerifier: Sendable {
    /// Length of the main authenticators `sender` makes, or nil when `sender` is unknown.
    func authenticatorLength(sender: NodeID) -> Int?
    /// Checks a main authenticator.
    func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool
    /// Whether an envelope under `header` from a known sender may close with `length` bytes of
    /// authenticator. Default: only the main length.
    func accepts(authenticatorLength length: Int, header: EnvelopeHeader) -> Bool
    /// Checks the authenticator of an envelope under `header`, whatever its accepted length.
    /// Default: `verify(_:over:sender:)`, a failure being `.badSignature`.
    func check(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, header: EnvelopeHeader)
        -> AuthenticatorVerdict
}

extension MessageVerifier {
    public func accepts(authenticatorLength length: Int, header: EnvelopeHeader) -> Bool {
        authenticatorLength(sender: header.sender) == length
    }

    public func check(
        _ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, header: EnvelopeHeader
    )
        -> AuthenticatorVerdict
    {
        verify(authenticator, over: bytes, sender: header.sender) ? .verified : .badSignature
    }
}

/// What a verifier found: the shell counts the two failures apart, since a bad pair MAC most
/// often means a stale pair key (a restart not yet heard of), not a forgery.
public enum AuthenticatorVerdict: Hashable, Sendable {
    case verified
    /// A signature (the sender's main authenticator) that does not verify.
    case badSignature
    /// A per-pair MAC that does not verify, or one from a sender we share no pair key with.
    case badPairMAC
}
