/// The transport a message travels on. Sequence numbers and replay windows are kept per
/// channel, because each channel orders and loses messages differently. Stable: never renumber.
public enum WireChannel: UInt8, Hashable, Sendable, CaseIterable {
    /// Unicast UDP gossip.
    case gossipDatagram = 0
    /// Frames of a TCP bulk-sync stream.
    case stream = 1
    /// UDP multicast discovery (recipient zero).
    case multicast = 2
}

/// Everything in an envelope before the body, all covered by the authenticator.
///
/// Layout (79 bytes, integers big-endian): version `u8` (currently 1), kind `u8`, cluster id 16,
/// sender 16, recipient 16 (zero for multicast), boot epoch `u64` (the sender's HLC at start),
/// channel `u8`, sequence `u64` (per boot epoch and channel), the sender's HLC `u64`, body length
/// `u32`. Then come the body and the authenticator, whose length the sender's key type fixes.
public struct EnvelopeHeader: Hashable, Sendable {
    /// Bytes of the encoded header, body length included.
    public static let encodedLength = 1 + 1 + 3 * NodeID.byteCount + 8 + 1 + 8 + 8 + 4

    public var kind: MessageKind
    public var cluster: NodeID
    public var sender: NodeID
    /// The node this message is for, or `NodeID.zero` for multicast. Signed, so an answer made
    /// for one node cannot be replayed to another.
    public var recipient: NodeID
    public var bootEpoch: HLCTimestamp
    public var channel: WireChannel
    public var sequence: UInt64
    /// The sender's HLC when it sent: the receiver merges it (after its clock check).
    public var hlc: HLCTimestamp

    public init(
        kind: MessageKind, cluster: NodeID, sender: NodeID, recipient: NodeID, bootEpoch: HLCTimestamp,
        channel: WireChannel, sequence: UInt64, hlc: HLCTimestamp
    ) {
        self.kind = kind
        self.cluster = cluster
        self.sender = sender
        self.recipient = recipient
        self.bootEpoch = bootEpoch
        self.channel = channel
        self.sequence = sequence
        self.hlc = hlc
    }

    /// The replay-guard name of this message.
    public var replayStamp: ReplayStamp {
        ReplayStamp(sender: sender, bootEpoch: bootEpoch, channel: channel, sequence: sequence)
    }

    /// The sender id of an envelope, read from its fixed place without decoding the rest (a
    /// stream checks that every frame comes from the node its handshake authenticated); nil
    /// when `envelope` is too short to hold one.
    public static func sender(ofEnvelope envelope: ArraySlice<UInt8>) -> NodeID? {
        let start = envelope.startIndex + 2 + NodeID.byteCount
        guard envelope.count >= 2 + 2 * NodeID.byteCount else { return nil }
        return NodeID(bytes: envelope[start..<(start + NodeID.byteCount)])
    }

    /// Writes the header with `bodyLength`, which the caller has checked fits a `u32`.
    func encode(into writer: inout ByteWriter, bodyLength: UInt32) {
        writer.write(Envelope.currentVersion)
        writer.write(kind.rawValue)
        writer.write(cluster)
        writer.write(sender)
        writer.write(recipient)
        writer.write(bootEpoch)
        writer.write(channel.rawValue)
        writer.write(sequence)
        writer.write(hlc)
        writer.write(bodyLength)
    }

    /// Reads a header. The version byte is checked first, alone (`unsupportedVersion`), since a
    /// later version may lay out the rest differently; then kind and channel must be known.
    /// Returns the header and the body length the header declares (not yet checked against
    /// the input).
    public static func decode(from reader: inout ByteReader) throws(WireError) -> (
        header: EnvelopeHeader, bodyLength: Int
    ) {
        let version = try reader.readUInt8()
        guard version == Envelope.currentVersion else { throw .unsupportedVersion(version) }
        try reader.require(encodedLength - 1)
        let kindByte = try reader.readUInt8()
        let cluster = try reader.readNodeID()
        let sender = try reader.readNodeID()
        let recipient = try reader.readNodeID()
        let bootEpoch = try reader.readTimestamp()
        let channelByte = try reader.readUInt8()
        let sequence = try reader.readUInt64()
        let hlc = try reader.readTimestamp()
        let bodyLength = Int(try reader.readUInt32())
        guard let kind = MessageKind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        guard let channel = WireChannel(rawValue: channelByte) else { throw .unknownChannel(channelByte) }
        let header = EnvelopeHeader(
            kind: kind, cluster: cluster, sender: sender, recipient: recipient, bootEpoch: bootEpoch,
            channel: channel, sequence: sequence, hlc: hlc)
        return (header, bodyLength)
    }
}
