import GossipKVCore
import PropertyBased
import Testing

@Suite("Envelope")
struct WireEnvelopeTests {
    static let datagram = Limits.standard.maxDatagramBytes

    @Test("a sealed message of every kind opens to the same header and message", arguments: Fixture.everyKind)
    func roundTrip(message: GossipMessage) throws {
        let header = Fixture.header(kind: message.kind)
        let frame = try Fixture.sealed(message, header: header)
        #expect(frame.count == WireSize.envelopeOverhead(authenticatorLength: 16) + message.encodedBodySize)
        #expect(frame.first == Envelope.currentVersion)
        var opener = Fixture.opener()
        let opened = try opener.open(
            frame, maxBytes: Limits.standard.maxFrameBytes, verifier: Fixture.verifier
        ).get()
        #expect(opened.header == header)
        #expect(opened.message == message)
    }

    @Test("random messages and headers survive seal and open")
    func randomRoundTrip() async {
        let channels = Gen.element(of: [WireChannel.gossipDatagram, .stream]).map { $0 ?? .stream }
        await propertyCheck(count: 200, input: WireGen.message, Gen.uint64(), Gen.uint64(), channels) {
            message, sequence, epoch, channel in
            let header = Fixture.header(
                kind: message.kind, bootEpoch: epoch, channel: channel, sequence: sequence)
            let frame = try Fixture.sealed(message, header: header)
            var opener = Fixture.opener()
            let opened = opener.open(frame, maxBytes: .max, verifier: Fixture.verifier)
            #expect(opened == .success(OpenedEnvelope(header: header, message: message)))
        }
    }

    @Test("the seal's kind byte comes from the message")
    func kindFromMessage() throws {
        let frame = try Fixture.sealed(Fixture.summary, header: Fixture.header(kind: .push))
        #expect(frame[1] == MessageKind.syncSummary.rawValue)
    }

    @Test("a truncated envelope is rejected at every byte")
    func truncation() throws {
        for message in Fixture.everyKind {
            let frame = try Fixture.sealed(message, header: Fixture.header(kind: message.kind))
            for cut in 0..<frame.count {
                var opener = Fixture.opener()
                let result = opener.open(frame[..<cut], maxBytes: .max, verifier: Fixture.verifier)
                #expect(result.failure != nil, "cut at \(cut) of \(frame.count)")
            }
        }
    }

    @Test("flipping any bit of any byte is rejected")
    func tampering() throws {
        let message = Fixture.everyKind[3]
        let frame = try Fixture.sealed(message, header: Fixture.header(kind: message.kind))
        for position in frame.indices {
            for bit in 0..<8 {
                var tampered = frame
                tampered[position] ^= 1 << bit
                var opener = Fixture.opener()
                let result = opener.open(tampered, maxBytes: .max, verifier: Fixture.verifier)
                #expect(result.failure != nil, "bit \(bit) of byte \(position)")
            }
        }
    }

    @Test("a changed body or authenticator fails the signature check")
    func badSignature() throws {
        let frame = try Fixture.sealed()
        for position in [EnvelopeHeader.encodedLength, frame.count - 1] {
            var tampered = frame
            tampered[position] &+= 1
            var opener = Fixture.opener()
            #expect(
                opener.open(tampered, maxBytes: .max, verifier: Fixture.verifier).failure == .badSignature)
        }
        var opener = Fixture.opener()
        let forged = try Fixture.sealed(key: 0xBAD)
        #expect(opener.open(forged, maxBytes: .max, verifier: Fixture.verifier).failure == .badSignature)
    }

    @Test("random bytes never trap the opener")
    func garbage() async {
        let version = Gen.uint8(in: 0...2)
        await propertyCheck(count: 2000, input: version, Gen.uint8().array(of: 0...200)) { first, rest in
            var opener = Fixture.opener()
            let result = opener.open([first] + rest, maxBytes: .max, verifier: Fixture.verifier)
            #expect(result.failure != nil)
        }
    }

    @Test("an envelope larger than the transport's limit is rejected before it is read")
    func oversize() throws {
        let message = GossipMessage.push(
            Push(
                hops: 0,
                items: [
                    Push.Item(
                        entry: Entry(
                            key: [1], value: Array(repeating: 7, count: 2000), timestamp: .max, origin: .zero),
                        previousTimestamp: nil)
                ]))
        let frame = try Fixture.sealed(message, header: Fixture.header(kind: .push))
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: Self.datagram, verifier: Fixture.verifier).failure
                == .oversize(size: frame.count, limit: Self.datagram))
        var small = Limits()
        small.maxFrameBytes = 100
        var strict = Fixture.opener(limits: small)
        #expect(
            strict.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure
                == .oversize(size: frame.count, limit: 100))
        #expect(throws: WireError.oversized(size: frame.count, limit: Self.datagram)) {
            try Envelope.seal(
                header: Fixture.header(), message: message, signer: TestSigner(key: 1),
                maxBytes: Self.datagram)
        }
    }

    @Test("another wire version is rejected")
    func version() throws {
        var frame = try Fixture.sealed()
        frame[0] = 2
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == .unsupportedVersion(2))
        #expect(
            opener.open([], maxBytes: .max, verifier: Fixture.verifier).failure
                == .malformed(.truncated(needed: 1, remaining: 0)))
    }

    @Test("unknown kind and channel bytes make the header malformed")
    func unknownKindAndChannel() throws {
        let frame = try Fixture.sealed()
        var badKind = frame
        badKind[1] = 0xEE
        var opener = Fixture.opener()
        #expect(
            opener.open(badKind, maxBytes: .max, verifier: Fixture.verifier).failure
                == .malformed(.unknownKind(0xEE)))
        var badChannel = frame
        badChannel[1 + 1 + 3 * NodeID.byteCount + 8] = 9
        #expect(
            opener.open(badChannel, maxBytes: .max, verifier: Fixture.verifier).failure
                == .malformed(.unknownChannel(9)))
    }

    @Test("the header decoder reads what seal wrote and checks the version first")
    func headerDecoder() throws {
        let frame = try Fixture.sealed()
        var reader = ByteReader(frame)
        let (header, bodyLength) = try EnvelopeHeader.decode(from: &reader)
        #expect(header == Fixture.header())
        #expect(bodyLength == Fixture.summary.encodedBodySize)
        #expect(reader.consumed == EnvelopeHeader.encodedLength)
        var versionOnly = ByteReader([Envelope.currentVersion + 1])
        #expect(throws: WireError.unsupportedVersion(Envelope.currentVersion + 1)) {
            try EnvelopeHeader.decode(from: &versionOnly)
        }
    }

    @Test("an envelope for another cluster is rejected")
    func wrongCluster() throws {
        var header = Fixture.header()
        header.cluster = NodeID(high: 0xBAD, low: 0)
        let frame = try Fixture.sealed(header: header)
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure
                == .wrongCluster(header.cluster))
    }

    @Test("an envelope for another node, or for nobody outside multicast, is rejected")
    func recipients() throws {
        var opener = Fixture.opener()
        let other = NodeID(high: 0xCA201, low: 3)
        let elsewhere = try Fixture.sealed(header: Fixture.header(recipient: other))
        #expect(
            opener.open(elsewhere, maxBytes: .max, verifier: Fixture.verifier).failure
                == .wrongRecipient(other))
        let unicastToAll = try Fixture.sealed(header: Fixture.header(recipient: .zero))
        #expect(
            opener.open(unicastToAll, maxBytes: .max, verifier: Fixture.verifier).failure
                == .wrongRecipient(.zero))
        let multicast = try Fixture.sealed(header: Fixture.header(recipient: .zero, channel: .multicast))
        #expect(opener.open(multicast, maxBytes: .max, verifier: Fixture.verifier).failure == nil)
    }

    @Test("our own multicast echo is rejected")
    func ownMessage() throws {
        let frame = try Fixture.sealed(
            header: Fixture.header(sender: Fixture.bob, recipient: .zero, channel: .multicast))
        var opener = Fixture.opener()
        #expect(opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == .ownMessage)
    }

    @Test("an unknown sender is rejected")
    func unknownSender() throws {
        let stranger = NodeID(high: 0x5742, low: 9)
        let frame = try Fixture.sealed(header: Fixture.header(sender: stranger))
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == .unknownSender(stranger)
        )
    }

    @Test("the same envelope twice is a replay")
    func replay() throws {
        let frame = try Fixture.sealed()
        var opener = Fixture.opener()
        #expect(opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == nil)
        #expect(opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == .replay(.duplicate))
    }

    @Test("an envelope from the sender's previous run is rejected")
    func olderBootEpoch() throws {
        var opener = Fixture.opener()
        let old = try Fixture.sealed(header: Fixture.header(bootEpoch: 100, sequence: 50))
        let new = try Fixture.sealed(header: Fixture.header(bootEpoch: 200, sequence: 1))
        #expect(opener.open(new, maxBytes: .max, verifier: Fixture.verifier).failure == nil)
        #expect(
            opener.open(old, maxBytes: .max, verifier: Fixture.verifier).failure == .replay(.staleBootEpoch))
    }

    @Test("forged envelopes do not move the replay window")
    func forgeriesDoNotPoison() throws {
        var opener = Fixture.opener()
        let forgedAhead = try Fixture.sealed(header: Fixture.header(sequence: 1_000_000), key: 0xBAD)
        let forgedEpoch = try Fixture.sealed(
            header: Fixture.header(bootEpoch: 9_999, sequence: 1), key: 0xBAD)
        let forgedSame = try Fixture.sealed(header: Fixture.header(sequence: 1), key: 0xBAD)
        for forged in [forgedAhead, forgedEpoch, forgedSame] {
            #expect(opener.open(forged, maxBytes: .max, verifier: Fixture.verifier).failure == .badSignature)
        }
        let genuine = try Fixture.sealed(header: Fixture.header(sequence: 1))
        #expect(opener.open(genuine, maxBytes: .max, verifier: Fixture.verifier).failure == nil)
        #expect(opener.replayGuard.bootEpoch(of: Fixture.alice) == HLCTimestamp(rawValue: 1_000))
    }

    @Test("bytes after the authenticator are rejected")
    func trailingBytes() throws {
        let frame = try Fixture.sealed() + [0]
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure
                == .malformed(.trailingBytes(count: 1)))
    }

    @Test("an authentic envelope with a broken body is rejected and uses up its sequence number")
    func invalidBody() throws {
        let frame = try Envelope.seal(
            header: Fixture.header(kind: .syncSummary), body: [1, 2, 3],
            signer: TestSigner(key: Fixture.aliceKey))
        var opener = Fixture.opener()
        #expect(
            opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure
                == .invalidBody(.truncated(needed: 8, remaining: 3)))
        #expect(opener.open(frame, maxBytes: .max, verifier: Fixture.verifier).failure == .replay(.duplicate))
    }

    @Test("authenticate hands back the raw body for kinds decoded elsewhere")
    func authenticate() throws {
        let frame = try Envelope.seal(
            header: Fixture.header(), body: [9, 8, 7], signer: TestSigner(key: Fixture.aliceKey))
        var opener = Fixture.opener()
        let authentic = try opener.authenticate(frame[...], maxBytes: .max, verifier: Fixture.verifier).get()
        #expect(Array(authentic.body) == [9, 8, 7])
        #expect(authentic.header == Fixture.header())
    }

    @Test("a signer whose authenticator has the wrong length cannot seal")
    func badSigner() {
        struct ShortSigner: MessageSigner {
            var authenticatorLength: Int { 16 }
            func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] { [1, 2] }
        }
        #expect(throws: WireError.invalidField("authenticator length")) {
            try Envelope.seal(header: Fixture.header(), message: Fixture.summary, signer: ShortSigner())
        }
    }

    @Test("every rejection has a message and a distinct metrics label")
    func labels() {
        let all: [EnvelopeRejection] = [
            .oversize(size: 2, limit: 1), .unsupportedVersion(2), .malformed(.trailingBytes(count: 1)),
            .wrongCluster(.zero), .wrongRecipient(.zero), .ownMessage, .unknownSender(.zero),
            .replay(.duplicate),
            .knownForgery, .badSignature, .invalidBody(.invalidField("x")),
        ]
        #expect(Set(all.map(\.label)).count == all.count)
        for rejection in all { #expect(!rejection.description.isEmpty) }
    }
}
