/// Seals messages into authenticated envelopes (DESIGN, "The envelope and authentication").
///
/// A sealed envelope is the header (`EnvelopeHeader`), the body, then the authenticator, which
/// covers every byte before it. `EnvelopeOpener` undoes this on receipt.
public enum Envelope {
    /// The wire version this node writes and the only one it reads.
    public static let currentVersion: UInt8 = 1

    /// Bytes of an Ed25519 detached signature, the authenticator of every signed envelope
    /// (`GossipKVCrypto.Ed25519Signer` produces it). The simulator's stand-in signer is as long,
    /// so its envelopes have the node's sizes.
    public static let signatureByteCount = 64

    /// Seals `body` under `header`. Throws `oversized` when the envelope would exceed `maxBytes`
    /// (pass the transport's limit: `Limits.maxDatagramBytes` for UDP), so the caller learns
    /// before sending that a receiver would drop it, and `invalidField` when the signer returns
    /// an authenticator of the wrong length.
    public static func seal(
        header: EnvelopeHeader, body: some Collection<UInt8>, signer: some MessageSigner,
        maxBytes: Int = Limits.standard.maxFrameBytes
    ) throws(WireError) -> [UInt8] {
        let total = EnvelopeHeader.encodedLength + body.count + signer.authenticatorLength
        guard total <= maxBytes else { throw .oversized(size: total, limit: maxBytes) }
        guard let bodyLength = UInt32(exactly: body.count) else {
            throw .oversized(size: body.count, limit: Int(UInt32.max))
        }
        var writer = ByteWriter(capacity: total)
        header.encode(into: &writer, bodyLength: bodyLength)
        writer.write(contentsOf: body)
        let authenticator = signer.authenticator(for: writer.bytes, recipient: header.recipient)
        guard authenticator.count == signer.authenticatorLength else {
            throw .invalidField("authenticator length")
        }
        writer.write(contentsOf: authenticator)
        return writer.bytes
    }

    /// Encodes `message` and seals it; the header's kind is taken from the message.
    public static func seal(
        header: EnvelopeHeader, message: GossipMessage, signer: some MessageSigner,
        limits: Limits = .standard, maxBytes: Int? = nil
    ) throws(WireError) -> [UInt8] {
        var header = header
        header.kind = message.kind
        let body = try message.encodedBody(limits: limits)
        return try seal(
            header: header, body: body, signer: signer, maxBytes: maxBytes ?? limits.maxFrameBytes)
    }
}

/// An envelope whose authenticator verified, with its body still as bytes: for kinds whose body
/// codec lives elsewhere (membership, discovery).
public struct AuthenticatedFrame: Hashable, Sendable {
    public var header: EnvelopeHeader
    public var body: ArraySlice<UInt8>

    public init(header: EnvelopeHeader, body: ArraySlice<UInt8>) {
        self.header = header
        self.body = body
    }
}

/// An envelope that passed every check, with its decoded message. The HLC check (`header.hlc`
/// against the max clock offset) is still the engine's job.
public struct OpenedEnvelope: Equatable, Sendable {
    public var header: EnvelopeHeader
    public var message: GossipMessage

    public init(header: EnvelopeHeader, message: GossipMessage) {
        self.header = header
        self.message = message
    }
}
