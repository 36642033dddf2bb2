/// The body codec of the membership messages (`SWIMMessage`): what goes between the envelope
/// header and the authenticator. The kind is in the header, not in the body.
///
/// Body layouts (integers big-endian; shared fields as in `ByteWriter+Fields.swift`):
/// - member update: id 16 bytes, incarnation `u64`, state `u8` (0 alive, 1 suspect, 2 dead,
///   3 left), address family `u8` (4 or 6) then 4 or 16 host bytes, gossip port `u16`, client
///   port `u16`: 34 or 46 bytes.
/// - `ping`, `ack`: sequence `u64`, update count `u32`, updates, summary flag `u8` (+ digest hash
///   `u64`, state hash `u64`).
/// - `pingRequest`: sequence `u64`, target 16 bytes, update count `u32`, updates.
/// - `nack`: sequence `u64`.
///
/// At most `MemberUpdate.maxPerMessage` updates, checked by the encoder and the decoder alike,
/// so `encodeBody` succeeds exactly when the bytes it makes decode again, to an equal message.
/// A full ping (16 IPv6 updates and a summary, `MembershipConfig`'s default) is 765 bytes: with
/// the 79-byte header and a 64-byte signature it fits a 1,400-byte datagram.
extension SWIMMessage {
    /// The kind byte on the wire. Stable: never renumber.
    public var kind: MessageKind {
        switch self {
        case .ping: return .ping
        case .ack: return .ack
        case .pingRequest: return .pingRequest
        case .nack: return .nack
        }
    }

    public func encodeBody(into writer: inout ByteWriter) throws(WireError) {
        switch self {
        case let .ping(sequence, updates, summary), let .ack(sequence, updates, summary):
            writer.write(sequence)
            try writer.write(updates)
            writer.write(summary != nil)
            if let summary {
                writer.write(summary.digestHash)
                writer.write(summary.stateHash)
            }
        case let .pingRequest(sequence, target, updates):
            writer.write(sequence)
            writer.write(target)
            try writer.write(updates)
        case let .nack(sequence):
            writer.write(sequence)
        }
    }

    /// The body as a fresh array.
    public func encodedBody() throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: encodedBodySize)
        try encodeBody(into: &writer)
        return writer.bytes
    }

    /// Reads one body of `kind`. The caller MUST then check that nothing is left (`reader.finish()`)
    /// when the body fills a frame; `decodeBody(kind:_:)` does both. An anti-entropy kind throws
    /// `foreignKind`.
    public static func decodeBody(kind: MessageKind, from reader: inout ByteReader) throws(WireError)
        -> SWIMMessage
    {
        switch kind {
        case .ping, .ack:
            let sequence = try reader.readUInt64()
            let updates = try reader.readMemberUpdates()
            var summary: SyncSummary?
            if try reader.readFlag(field: "\(kind).summaryFlag") {
                summary = SyncSummary(digestHash: try reader.readUInt64(), stateHash: try reader.readUInt64())
            }
            return kind == .ping
                ? .ping(sequence: sequence, updates: updates, summary: summary)
                : .ack(sequence: sequence, updates: updates, summary: summary)
        case .pingRequest:
            let sequence = try reader.readUInt64()
            let target = try reader.readNodeID()
            return .pingRequest(sequence: sequence, target: target, updates: try reader.readMemberUpdates())
        case .nack:
            return .nack(sequence: try reader.readUInt64())
        case .syncRequest, .syncSummary, .syncAnswer, .bucketHashes, .push, .reconcile, .announcement,
            .revocations:
            throw .foreignKind(kind.rawValue)
        }
    }

    /// Decodes a whole body: every byte must belong to the message.
    public static func decodeBody(kind: MessageKind, _ bytes: ArraySlice<UInt8>) throws(WireError)
        -> SWIMMessage
    {
        var reader = ByteReader(bytes)
        let message = try decodeBody(kind: kind, from: &reader)
        try reader.finish()
        return message
    }

    /// The exact size of `encodedBody()`.
    public var encodedBodySize: Int {
        let updates = 4 + self.updates.reduce(0) { $0 + WireSize.encodedSize(of: $1) }
        switch self {
        case let .ping(_, _, summary), let .ack(_, _, summary):
            return 8 + updates + 1 + (summary == nil ? 0 : 16)
        case .pingRequest: return 8 + NodeID.byteCount + updates
        case .nack: return 8
        }
    }
}

extension WireSize {
    /// Bytes of a member update: 34 with an IPv4 address, 46 with an IPv6 one.
    public static func encodedSize(of update: MemberUpdate) -> Int {
        let host: Int
        switch update.address.host {
        case .ipv4: host = 4
        case .ipv6: host = 16
        }
        return NodeID.byteCount + 8 + 1 + 1 + host + 2 + 2
    }
}

extension ByteWriter {
    public mutating func write(_ update: MemberUpdate) {
        write(update.id)
        write(update.incarnation)
        write(update.state.rawValue)
        write(update.address)
    }

    public mutating func write(_ address: MemberAddress) {
        switch address.host {
        case let .ipv4(value):
            write(UInt8(4))
            write(value)
        case let .ipv6(high, low):
            write(UInt8(6))
            write(high)
            write(low)
        }
        write(address.gossipPort)
        write(address.clientPort)
    }

    /// A `u32` count, then the updates; more than `MemberUpdate.maxPerMessage` throws.
    mutating func write(_ updates: [MemberUpdate]) throws(WireError) {
        guard updates.count <= MemberUpdate.maxPerMessage else {
            throw .tooManyUpdates(count: updates.count, limit: MemberUpdate.maxPerMessage)
        }
        write(UInt32(updates.count))
        for update in updates { write(update) }
    }
}

extension ByteReader {
    /// The smallest encoded member update: one with an IPv4 address.
    public static let minimumMemberUpdateSize = NodeID.byteCount + 8 + 1 + 1 + 4 + 2 + 2

    public mutating func readMemberUpdate() throws(WireError) -> MemberUpdate {
        let id = try readNodeID()
        let incarnation = try readUInt64()
        guard let state = Member.State(rawValue: try readUInt8()) else {
            throw .invalidField("memberUpdate.state")
        }
        return MemberUpdate(id: id, address: try readMemberAddress(), incarnation: incarnation, state: state)
    }

    public mutating func readMemberAddress() throws(WireError) -> MemberAddress {
        let host: MemberAddress.Host
        switch try readUInt8() {
        case 4: host = .ipv4(try readUInt32())
        case 6: host = .ipv6(high: try readUInt64(), low: try readUInt64())
        default: throw .invalidField("memberAddress.family")
        }
        return MemberAddress(host: host, gossipPort: try readUInt16(), clientPort: try readUInt16())
    }

    mutating func readMemberUpdates() throws(WireError) -> [MemberUpdate] {
        let count = try readCount(
            limit: MemberUpdate.maxPerMessage, minimumElementSize: Self.minimumMemberUpdateSize
        ) {
            .tooManyUpdates(count: $0, limit: $1)
        }
        var updates = [MemberUpdate]()
        updates.reserveCapacity(count)
        for _ in 0..<count { updates.append(try readMemberUpdate()) }
        return updates
    }
}

extension Envelope {
    /// Encodes a membership message and seals it; the header's kind is taken from the message.
    /// Pass `maxBytes: limits.maxDatagramBytes` for UDP, so a message too large for a datagram
    /// is refused before it is sent.
    public static func seal(
        header: EnvelopeHeader, message: SWIMMessage, signer: some MessageSigner,
        maxBytes: Int = Limits.standard.maxFrameBytes
    ) throws(WireError) -> [UInt8] {
        var header = header
        header.kind = message.kind
        return try seal(header: header, body: try message.encodedBody(), signer: signer, maxBytes: maxBytes)
    }
}
