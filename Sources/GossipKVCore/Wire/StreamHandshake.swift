/// The first frame on every gossip TCP stream (DESIGN, "A TCP stream starts with a signed
/// handshake"): who opens the stream, for whom, in which run, signed by the opener's node key.
/// Until it verifies, the receiver reads no frame larger than `maxEncodedBytes`, so a stranger
/// can make it buffer a few hundred bytes per connection, not the 16 MiB an authenticated
/// member's frame may take.
///
/// Layout (big-endian): magic "GKVS", version `u8` (1), cluster id 16, sender 16, recipient 16,
/// sender's boot epoch `u64`, sequence `u64` (per boot epoch: each stream the sender opens takes
/// the next), then the signature as `u8` length and bytes. The signature covers every byte
/// before its length byte (`signedBytes`) under its own signing context, so no envelope or
/// certificate signature can pass for a handshake.
///
/// Replay: the receiver keeps a replay window of handshakes per (sender, boot epoch), so a
/// recorded handshake cannot authenticate another connection; the recipient field keeps one
/// made for another node from opening a stream here.
public struct StreamHandshake: Hashable, Sendable {
    public static let magic: [UInt8] = Array("GKVS".utf8)
    public static let version: UInt8 = 1
    /// Bytes before the signature.
    public static let signedLength = magic.count + 1 + 3 * NodeID.byteCount + 8 + 8
    /// Longest signature accepted (Ed25519's is 64 bytes).
    public static let maxSignatureBytes = 128
    /// The largest first frame a receiver reads on a new stream.
    public static let maxEncodedBytes = signedLength + 1 + maxSignatureBytes

    public var cluster: NodeID
    public var sender: NodeID
    public var recipient: NodeID
    public var bootEpoch: HLCTimestamp
    public var sequence: UInt64
    public var signature: [UInt8]

    public init(
        cluster: NodeID, sender: NodeID, recipient: NodeID, bootEpoch: HLCTimestamp, sequence: UInt64,
        signature: [UInt8] = []
    ) {
        self.cluster = cluster
        self.sender = sender
        self.recipient = recipient
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.signature = signature
    }

    /// The handshake's name for a replay window of its own (`channel` is `.stream`).
    public var replayStamp: ReplayStamp {
        ReplayStamp(sender: sender, bootEpoch: bootEpoch, channel: .stream, sequence: sequence)
    }

    /// What the signature covers.
    public var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: Self.signedLength)
        writer.write(contentsOf: Self.magic)
        writer.write(Self.version)
        writer.write(cluster)
        writer.write(sender)
        writer.write(recipient)
        writer.write(bootEpoch)
        writer.write(sequence)
        return writer.bytes
    }

    /// The frame's bytes. Throws when the signature is longer than `maxSignatureBytes`.
    public func encoded() throws(WireError) -> [UInt8] {
        guard signature.count <= Self.maxSignatureBytes else {
            throw .oversized(size: signature.count, limit: Self.maxSignatureBytes)
        }
        var bytes = signedBytes
        bytes.append(UInt8(signature.count))
        bytes.append(contentsOf: signature)
        return bytes
    }

    /// Reads a handshake: bounded (at most `maxEncodedBytes`) and total (typed errors, never a
    /// trap); trailing bytes are refused.
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireError) {
        guard bytes.count <= Self.maxEncodedBytes else {
            throw .oversized(size: bytes.count, limit: Self.maxEncodedBytes)
        }
        var reader = ByteReader(bytes)
        guard try reader.readBytes(count: Self.magic.count) == Self.magic else {
            throw .invalidField("stream handshake magic")
        }
        let version = try reader.readUInt8()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        cluster = try reader.readNodeID()
        sender = try reader.readNodeID()
        recipient = try reader.readNodeID()
        bootEpoch = try reader.readTimestamp()
        sequence = try reader.readUInt64()
        let signatureLength = Int(try reader.readUInt8())
        guard signatureLength <= Self.maxSignatureBytes else {
            throw .oversized(size: signatureLength, limit: Self.maxSignatureBytes)
        }
        signature = try reader.readBytes(count: signatureLength)
        try reader.finish()
    }
}
