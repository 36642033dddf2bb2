import GossipKVCore
import Testing

/// `OutboundFraming` and the frames `NodeCore` hands its shell: channel choice by the real
/// sealed size, sequence numbers per channel, a new run's sequences under its new boot epoch.
@Suite("outbound framing: channel choice and sequence numbers in the core")
struct OutboundFramingTests {
    static let start = NodeCoreTests.start
    static let me = NodeCoreTests.me
    static let other = NodeCoreTests.other
    static let overhead = EnvelopeHeader.encodedLength + Envelope.signatureByteCount

    /// A signer as long as Ed25519 (64 bytes: the 16-byte test tag four times), and its verifier.
    struct SignatureLengthSigner: MessageSigner, MessageVerifier {
        var key: UInt64
        var authenticatorLength: Int { Envelope.signatureByteCount }

        func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
            Self.tag(bytes[...], key: key)
        }

        func authenticatorLength(sender: NodeID) -> Int? { Envelope.signatureByteCount }

        func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool
        {
            authenticator.elementsEqual(Self.tag(bytes, key: key))
        }

        static func tag(_ bytes: ArraySlice<UInt8>, key: UInt64) -> [UInt8] {
            Array(repeating: TestSigner.tag(bytes, key: key), count: 4).flatMap { $0 }
        }
    }

    static func framing(bootEpoch: UInt64 = 1_000) -> OutboundFraming {
        NodeCoreTests.framing(me, bootEpoch: HLCTimestamp(rawValue: bootEpoch))
    }

    static func engineOnlyCore(_ id: NodeID, now: UInt64 = start) -> NodeCore {
        let engine = GossipEngine(replica: Replica(id: id), config: GossipConfig(), seed: 3, now: now)
        var core = NodeCore(
            engine: engine,
            framing: NodeCoreTests.framing(id, bootEpoch: engine.replica.readTime(physical: now)))
        core.setPeers([id == me ? other : me])
        return core
    }

    @Test(
        "a body that seals to exactly the largest datagram goes as a datagram; one byte more, on the stream")
    func channelAtTheBoundary() throws {
        var framing = Self.framing()
        let limit = Limits.standard.maxDatagramBytes
        let fitting = [UInt8](repeating: 7, count: limit - Self.overhead)
        #expect(framing.sealedSize(bodyBytes: fitting.count) == limit)
        #expect(framing.channel(forBodyBytes: fitting.count) == .gossipDatagram)
        #expect(framing.channel(forBodyBytes: fitting.count + 1) == .stream)
        // The budget is the envelope a real signature makes: sealed, it is exactly the limit.
        let frame = framing.frame(
            kind: .push, body: fitting, to: Self.other, hlc: HLCTimestamp(physical: Self.start))
        #expect(frame.isDatagram)
        let sealed = try Envelope.seal(
            header: frame.header, body: frame.body, signer: SignatureLengthSigner(key: 1), maxBytes: limit)
        #expect(sealed.count == limit)
        let over = framing.frame(
            kind: .push, body: fitting + [7], to: Self.other, hlc: HLCTimestamp(physical: Self.start))
        #expect(over.header.channel == .stream && !over.isDatagram)
        // A shorter authenticator (an 8-byte tag, as the simulator once budgeted) moves the line.
        let short = OutboundFraming(
            cluster: NodeCoreTests.cluster, sender: Self.me, bootEpoch: HLCTimestamp(rawValue: 1),
            authenticatorLength: 8,
            limits: .standard)
        #expect(short.channel(forBodyBytes: fitting.count + 1) == .gossipDatagram)
    }

    @Test("sequence numbers rise by one per frame on each channel, each channel on its own")
    func sequencesPerChannel() {
        var framing = Self.framing()
        let hlc = HLCTimestamp(physical: Self.start)
        var seen: [WireChannel: [UInt64]] = [:]
        let channels: [WireChannel] = [
            .gossipDatagram, .stream, .gossipDatagram, .multicast, .stream, .gossipDatagram,
        ]
        for channel in channels {
            let frame = framing.frame(
                kind: .syncSummary, body: [], to: Self.other, channel: channel, hlc: hlc)
            #expect(frame.header.channel == channel)
            #expect(frame.header.bootEpoch == framing.bootEpoch)
            seen[channel, default: []].append(frame.header.sequence)
        }
        #expect(seen[.gossipDatagram] == [0, 1, 2])
        #expect(seen[.stream] == [0, 1])
        #expect(seen[.multicast] == [0])
        #expect(framing.nextSequence(on: .gossipDatagram) == 3)
    }

    @Test("the core's send directives carry a frame: the encoded message, its channel and sequence")
    func directivesCarryFrames() throws {
        var core = NodeCoreTests.core()
        let (_, directives) = core.admit(
            Self.other, address: NodeCoreTests.address(2), incarnation: Self.start << 16, now: Self.start)
        let frames = directives.compactMap { directive -> (OutboundMessage, OutboundFrame)? in
            if case let .send(message, frame, to: Self.other) = directive { return (message, frame) }
            return nil
        }
        #expect(!frames.isEmpty)
        for (offset, (message, frame)) in frames.enumerated() {
            #expect(frame.header.kind == message.kind)
            #expect(frame.header.recipient == Self.other && frame.header.sender == Self.me)
            #expect(frame.header.channel == .gossipDatagram)
            #expect(frame.header.sequence == UInt64(offset))
            if case let .gossip(gossip) = message {
                #expect(
                    try GossipMessage.decodeBody(kind: frame.header.kind, frame.body[...], limits: .standard)
                        == gossip)
            }
        }
    }

    @Test("an answer too large for a datagram leaves on the stream, in the core's order")
    func largeAnswerOnTheStream() throws {
        var a = Self.engineOnlyCore(Self.me)
        var b = Self.engineOnlyCore(Self.other)
        for index in 0..<3 {
            _ = try a.write(
                Array("big-\(index)".utf8), value: Array(repeating: 1, count: 1_500), now: Self.start)
        }
        let request = b.startRound(with: Self.me, now: Self.start + 1).compactMap {
            directive -> GossipMessage? in
            if case let .send(.gossip(message), _, _) = directive { return message }
            return nil
        }
        #expect(request.count == 1)
        let answer = try #require(request.first)
        let directives = a.receiveGossip(
            answer, from: Self.other, senderClock: HLCTimestamp(physical: Self.start + 1), now: Self.start + 2
        )
        let frames = directives.compactMap { directive -> OutboundFrame? in
            if case let .send(_, frame, _) = directive { return frame }
            return nil
        }
        let streamed = frames.filter { !$0.isDatagram }
        #expect(!streamed.isEmpty)
        #expect(streamed.map(\.header.sequence) == Array(0..<UInt64(streamed.count)))
        for frame in frames {
            let fits = frame.body.count + Self.overhead <= Limits.standard.maxDatagramBytes
            #expect(frame.isDatagram == fits)
        }
    }

    @Test(
        "a restart under a new boot epoch starts its sequences again, and the peer's replay window takes them"
    )
    func restartRestartsSequences() throws {
        var first = Self.framing(bootEpoch: 1_000)
        let hlc = HLCTimestamp(physical: Self.start)
        var opener = EnvelopeOpener(cluster: NodeCoreTests.cluster, localNode: Self.other)
        let signer = SignatureLengthSigner(key: 9)
        var lastOfFirstRun: [UInt8] = []
        for _ in 0..<5 {
            let frame = first.frame(
                kind: .syncSummary, body: [UInt8](repeating: 0, count: 16), to: Self.other, hlc: hlc)
            lastOfFirstRun = try Envelope.seal(header: frame.header, body: frame.body, signer: signer)
            #expect(opener.authenticate(lastOfFirstRun[...], maxBytes: 1_400, verifier: signer).isSuccess)
        }
        var second = Self.framing(bootEpoch: 2_000)
        let frame = second.frame(
            kind: .syncSummary, body: [UInt8](repeating: 0, count: 16), to: Self.other, hlc: hlc)
        #expect(frame.header.sequence == 0)
        #expect(frame.header.bootEpoch == HLCTimestamp(rawValue: 2_000))
        let sealed = try Envelope.seal(header: frame.header, body: frame.body, signer: signer)
        #expect(opener.authenticate(sealed[...], maxBytes: 1_400, verifier: signer).isSuccess)
        // The old run is over: its envelopes are refused now.
        #expect(!opener.authenticate(lastOfFirstRun[...], maxBytes: 1_400, verifier: signer).isSuccess)
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
