import GossipKVCore
import PropertyBased
import Testing

/// The SWIM body codec (`Wire/SWIMMessage+Wire.swift`), in the manner of `WireMessageCodecTests`.
@Suite("membership message codec")
struct MembershipWireTests {
    static let v4 = MemberAddress(host: .ipv4(0x7F00_0001), gossipPort: 7377, clientPort: 7379)
    static let v6 = MemberAddress(
        host: .ipv6(high: 0xFE80_0000_0000_0000, low: 1), gossipPort: 1, clientPort: .max)

    static let updates = [
        MemberUpdate(id: Fixture.alice, address: v4, incarnation: 1, state: .alive),
        MemberUpdate(id: Fixture.bob, address: v6, incarnation: .max, state: .suspect),
        MemberUpdate(id: .zero, address: v4, incarnation: 0, state: .dead),
        MemberUpdate(id: NodeID(high: .max, low: .max), address: v6, incarnation: 42, state: .left),
    ]

    static let everyKind: [SWIMMessage] = [
        .ping(sequence: 1, updates: updates, summary: SyncSummary(digestHash: 7, stateHash: 9)),
        .ping(sequence: 0, updates: [], summary: nil),
        .ack(sequence: .max, updates: [updates[1]], summary: SyncSummary(digestHash: 0, stateHash: .max)),
        .ack(sequence: 5, updates: updates, summary: nil),
        .pingRequest(sequence: 3, target: Fixture.bob, updates: updates),
        .pingRequest(sequence: 4, target: .zero, updates: []),
        .nack(sequence: 12),
    ]

    static func assertRoundTrip(_ message: SWIMMessage) throws {
        let body = try message.encodedBody()
        #expect(body.count == message.encodedBodySize)
        #expect(message.kind.isMembership)
        #expect(try SWIMMessage.decodeBody(kind: message.kind, body[...]) == message)
    }

    static var address: Generator<MemberAddress, some SendableSequenceType> {
        let host = Gen.oneOf(
            Gen.uint32().map { MemberAddress.Host.ipv4($0) },
            zip(Gen.uint64(), Gen.uint64()).map { MemberAddress.Host.ipv6(high: $0.0, low: $0.1) })
        return zip(host, Gen.uint16(), Gen.uint16()).map {
            MemberAddress(host: $0.0, gossipPort: $0.1, clientPort: $0.2)
        }
    }

    static var update: Generator<MemberUpdate, some SendableSequenceType> {
        zip(WireGen.nodeID, address, Gen.uint64(), Gen.uint8(in: 0...3)).map {
            MemberUpdate(
                id: $0.0, address: $0.1, incarnation: $0.2, state: Member.State(rawValue: $0.3) ?? .alive)
        }
    }

    static var message: Generator<SWIMMessage, some SendableSequenceType> {
        let summary = zip(Gen.uint64(), Gen.uint64()).map { SyncSummary(digestHash: $0.0, stateHash: $0.1) }
            .optional
        return zip(Gen.int(in: 0...3), Gen.uint64(), update.array(of: 0...20), summary, WireGen.nodeID).map {
            value -> SWIMMessage in
            switch value.0 {
            case 0: return .ping(sequence: value.1, updates: value.2, summary: value.3)
            case 1: return .ack(sequence: value.1, updates: value.2, summary: value.3)
            case 2: return .pingRequest(sequence: value.1, target: value.4, updates: value.2)
            default: return .nack(sequence: value.1)
            }
        }
    }

    @Test("a message of every kind round-trips", arguments: everyKind)
    func fixedRoundTrip(message: SWIMMessage) throws {
        try Self.assertRoundTrip(message)
    }

    @Test("random messages round-trip, and the size helper matches the encoder")
    func randomRoundTrip() async {
        await propertyCheck(count: 500, input: Self.message) { try Self.assertRoundTrip($0) }
    }

    @Test("a body of every kind is rejected at every truncation point", arguments: everyKind)
    func truncation(message: SWIMMessage) throws {
        let body = try message.encodedBody()
        for cut in 0..<body.count {
            #expect(throws: WireError.self, "cut at \(cut) of \(body.count)") {
                try SWIMMessage.decodeBody(kind: message.kind, body[..<cut])
            }
        }
    }

    @Test("a byte after the body is rejected", arguments: everyKind)
    func trailing(message: SWIMMessage) throws {
        let body = try message.encodedBody() + [0]
        #expect(throws: WireError.trailingBytes(count: 1)) {
            try SWIMMessage.decodeBody(kind: message.kind, body[...])
        }
    }

    static let membershipKinds: [MessageKind] = [.ping, .ack, .pingRequest, .nack]

    @Test("random bytes never trap, and whatever decodes re-encodes to the same bytes")
    func garbage() async {
        let kinds = Gen.element(of: Self.membershipKinds).map { $0 ?? .ping }
        await propertyCheck(count: 2000, input: kinds, Gen.uint8().array(of: 0...200)) { kind, raw in
            if let message = try? SWIMMessage.decodeBody(kind: kind, raw[...]) {
                let reencoded = try message.encodedBody()
                #expect(reencoded == raw)
            }
        }
    }

    @Test("mutated valid bodies never trap, and whatever decodes is canonical")
    func mutations() async {
        let bodies = Self.everyKind.compactMap { message in
            (try? message.encodedBody()).map { (message.kind, $0) }
        }
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0..<bodies.count), Gen.int(in: 0...10_000), Gen.uint8()
        ) {
            which, position, byte in
            let (kind, original) = bodies[which]
            var body = original
            body[position % body.count] = byte
            if let message = try? SWIMMessage.decodeBody(kind: kind, body[...]) {
                let reencoded = try message.encodedBody()
                #expect(reencoded == body)
            }
        }
    }

    @Test("more updates than the per-message bound are refused by the encoder and the decoder")
    func updateLimit() throws {
        let limit = MemberUpdate.maxPerMessage
        let many = SWIMMessage.ping(
            sequence: 1, updates: Array(repeating: Self.updates[0], count: limit + 1), summary: nil)
        #expect(throws: WireError.tooManyUpdates(count: limit + 1, limit: limit)) { try many.encodedBody() }
        var writer = ByteWriter()
        writer.write(UInt64(1))
        writer.write(UInt32(limit + 1))
        for _ in 0...limit { writer.write(Self.updates[0]) }
        writer.write(false)
        #expect(throws: WireError.tooManyUpdates(count: limit + 1, limit: limit)) {
            try SWIMMessage.decodeBody(kind: .ping, writer.bytes[...])
        }
        #expect(throws: Never.self) {
            try SWIMMessage.ping(
                sequence: 1, updates: Array(repeating: Self.updates[1], count: limit), summary: nil
            ).encodedBody()
        }
    }

    @Test("a claimed update count the remaining bytes cannot hold is rejected before allocating")
    func countBeyondInput() {
        var writer = ByteWriter()
        writer.write(UInt64(1))
        writer.write(UInt32(60))
        writer.write(contentsOf: [UInt8](repeating: 0, count: 10))
        #expect(throws: WireError.truncated(needed: 60 * ByteReader.minimumMemberUpdateSize, remaining: 10)) {
            try SWIMMessage.decodeBody(kind: .ack, writer.bytes[...])
        }
    }

    @Test("an unknown member state, address family or summary flag is an invalid field")
    func invalidFields() throws {
        let body = try SWIMMessage.ack(sequence: 1, updates: [Self.updates[0]], summary: nil).encodedBody()
        let stateOffset = 8 + 4 + NodeID.byteCount + 8
        var badState = body
        badState[stateOffset] = 4
        #expect(throws: WireError.invalidField("memberUpdate.state")) {
            try SWIMMessage.decodeBody(kind: .ack, badState[...])
        }
        var badFamily = body
        badFamily[stateOffset + 1] = 5
        #expect(throws: WireError.invalidField("memberAddress.family")) {
            try SWIMMessage.decodeBody(kind: .ack, badFamily[...])
        }
        var badFlag = body
        badFlag[badFlag.count - 1] = 2
        #expect(throws: WireError.invalidField("ack.summaryFlag")) {
            try SWIMMessage.decodeBody(kind: .ack, badFlag[...])
        }
    }

    @Test("each codec refuses the other family's kinds")
    func foreignKinds() throws {
        let nack = try SWIMMessage.nack(sequence: 1).encodedBody()
        #expect(throws: WireError.foreignKind(MessageKind.nack.rawValue)) {
            try GossipMessage.decodeBody(kind: .nack, nack[...], limits: .standard)
        }
        let summary = try Fixture.summary.encodedBody()
        #expect(throws: WireError.foreignKind(MessageKind.syncSummary.rawValue)) {
            try SWIMMessage.decodeBody(kind: .syncSummary, summary[...])
        }
        #expect(MessageKind.allCases.filter(\.isMembership) == Self.membershipKinds)
        #expect(Self.membershipKinds.map(\.rawValue) == [10, 11, 12, 13])
    }

    /// A stand-in for Ed25519's 64-byte detached signature.
    struct SignatureSizedSigner: MessageSigner {
        var authenticatorLength: Int { 64 }
        func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
            Array(repeating: 0x5A, count: 64)
        }
    }

    @Test("a full ping (the default 16 IPv6 updates and a summary) sealed with a signature fits a datagram")
    func fullPingFitsDatagram() throws {
        let updates = (0..<MembershipConfig().maxUpdatesPerMessage).map {
            MemberUpdate(
                id: NodeID(high: UInt64($0), low: 1), address: Self.v6, incarnation: .max, state: .left)
        }
        let ping = SWIMMessage.ping(
            sequence: .max, updates: updates, summary: SyncSummary(digestHash: 1, stateHash: 2))
        #expect(ping.encodedBodySize == 765)
        let sealed = try Envelope.seal(
            header: Fixture.header(), message: ping, signer: SignatureSizedSigner(),
            maxBytes: Limits.standard.maxDatagramBytes)
        #expect(sealed.count <= Limits.standard.maxDatagramBytes)
    }

    @Test("a sealed membership message authenticates and decodes back through the opener")
    func envelopeRoundTrip() throws {
        let message = Self.everyKind[0]
        let frame = try Envelope.seal(
            header: Fixture.header(), message: message, signer: TestSigner(key: Fixture.aliceKey))
        var opener = Fixture.opener()
        let authentic = try opener.authenticate(
            frame[...], maxBytes: Limits.standard.maxDatagramBytes, verifier: Fixture.verifier
        ).get()
        #expect(authentic.header.kind == .ping)
        #expect(try SWIMMessage.decodeBody(kind: authentic.header.kind, authentic.body) == message)
    }
}
