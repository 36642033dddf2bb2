/// How a node frames what it sends: the envelope header of every outgoing message (sequence
/// numbers per channel under this run's boot epoch) and the channel a message travels on. The
/// node's core (`NodeCore`) owns it, so the NIO shell and the simulator frame alike and only
/// sign and write the bytes (DESIGN, "The envelope and authentication").
///
/// The channel choice uses the real sealed size: the 79-byte header, the body and the
/// authenticator of this node's key type (an Ed25519 signature, `Envelope.signatureByteCount`;
/// the shell gives its signer's length). A message goes as a datagram when that fits
/// `Limits.maxDatagramBytes`, else on the stream. A shell that seals a SWIM message with a
/// shorter per-pair MAC sends fewer bytes than budgeted, never more. In a closed cluster the
/// envelope travels inside a sealed frame (`SealedFrame`, 45 bytes more): `sealOverhead` counts
/// them, so a datagram's real size on the wire is what is compared with the limit.
///
/// Sequence numbers start at 0 for each channel and rise by one per frame, so a receiver's replay
/// window (per sender, boot epoch and channel) accepts each once. A new run has a new boot epoch
/// (its HLC at start, above every timestamp of the last run) and a new framing: its sequences
/// start again under it.
public struct OutboundFraming: Equatable, Sendable {
    public let cluster: NodeID
    public let sender: NodeID
    /// This run's boot epoch: the node's HLC when it started.
    public let bootEpoch: HLCTimestamp
    /// Bytes of the authenticator the node seals with (its signer's `authenticatorLength`).
    public let authenticatorLength: Int
    /// Bytes the confidentiality layer adds around each envelope: `SealedFrame.overhead` when
    /// the shell encrypts, 0 when it sends envelopes in clear (an open cluster).
    public let sealOverhead: Int
    public let maxDatagramBytes: Int
    /// The next sequence number of each channel, indexed by `WireChannel.rawValue`.
    private var nextSequences: [UInt64]

    public init(
        cluster: NodeID, sender: NodeID, bootEpoch: HLCTimestamp, authenticatorLength: Int, limits: Limits,
        sealOverhead: Int = 0
    ) {
        self.cluster = cluster
        self.sender = sender
        self.bootEpoch = bootEpoch
        self.authenticatorLength = authenticatorLength
        self.sealOverhead = sealOverhead
        self.maxDatagramBytes = limits.maxDatagramBytes
        self.nextSequences = Array(repeating: 0, count: WireChannel.allCases.count)
    }

    /// The bytes on the wire for a body of `bodyBytes`: the envelope, and the sealed frame
    /// around it when the shell encrypts.
    public func sealedSize(bodyBytes: Int) -> Int {
        WireSize.envelopeOverhead(authenticatorLength: authenticatorLength) + sealOverhead + bodyBytes
    }

    /// The channel of a unicast message with a body of `bodyBytes`: a datagram when the sealed
    /// envelope fits one, the stream otherwise.
    public func channel(forBodyBytes bodyBytes: Int) -> WireChannel {
        sealedSize(bodyBytes: bodyBytes) <= maxDatagramBytes ? .gossipDatagram : .stream
    }

    /// The sequence number the next frame on `channel` gets.
    public func nextSequence(on channel: WireChannel) -> UInt64 { nextSequences[Int(channel.rawValue)] }

    /// Frames `body` for `recipient` on `channel` (the shell's own messages, announcements, name
    /// theirs), taking the channel's next sequence number; `hlc` is the sender's clock now.
    public mutating func frame(
        kind: MessageKind, body: [UInt8], to recipient: NodeID, channel: WireChannel, hlc: HLCTimestamp
    ) -> OutboundFrame {
        let index = Int(channel.rawValue)
        let sequence = nextSequences[index]
        nextSequences[index] = sequence &+ 1
        let header = EnvelopeHeader(
            kind: kind, cluster: cluster, sender: sender, recipient: recipient, bootEpoch: bootEpoch,
            channel: channel, sequence: sequence, hlc: hlc)
        return OutboundFrame(header: header, body: body)
    }

    /// Frames a unicast `body` for `recipient` on the channel its sealed size picks.
    public mutating func frame(kind: MessageKind, body: [UInt8], to recipient: NodeID, hlc: HLCTimestamp)
        -> OutboundFrame
    {
        frame(kind: kind, body: body, to: recipient, channel: channel(forBodyBytes: body.count), hlc: hlc)
    }
}

/// A message ready to seal: its header (channel and sequence chosen) and its encoded body. The
/// shell signs `header` and `body` (`Envelope.seal`) and writes the bytes on `header.channel`.
public struct OutboundFrame: Equatable, Sendable {
    public let header: EnvelopeHeader
    public let body: [UInt8]

    public init(header: EnvelopeHeader, body: [UInt8]) {
        self.header = header
        self.body = body
    }

    /// Whether the shell sends it as a datagram (else as a frame on its stream to the peer).
    public var isDatagram: Bool { header.channel != .stream }
}
