import PropertyBased
import Testing

@testable import GossipKVCore

@Suite("the stream handshake's layout")
struct StreamHandshakeCodecTests {
    static let sample = StreamHandshake(
        cluster: Fixture.cluster, sender: Fixture.alice, recipient: Fixture.bob,
        bootEpoch: HLCTimestamp(rawValue: 42),
        sequence: 9, signature: Array(repeating: 0xAB, count: 64))

    @Test("encodes and decodes to the same handshake, within its bound")
    func roundTrip() throws {
        let bytes = try Self.sample.encoded()
        #expect(bytes.count <= StreamHandshake.maxEncodedBytes)
        #expect(try StreamHandshake(decoding: bytes[...]) == Self.sample)
        #expect(Array(bytes.prefix(StreamHandshake.signedLength)) == Self.sample.signedBytes)
    }

    @Test("every truncation, trailing byte, wrong magic or version and oversized input is a typed error")
    func refusals() throws {
        let bytes = try Self.sample.encoded()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try StreamHandshake(decoding: bytes[..<length]) }
        }
        #expect(throws: WireError.trailingBytes(count: 1)) {
            try StreamHandshake(decoding: (bytes + [0])[...])
        }
        var magic = bytes
        magic[0] ^= 1
        #expect(throws: WireError.invalidField("stream handshake magic")) {
            try StreamHandshake(decoding: magic[...])
        }
        var version = bytes
        version[4] = 9
        #expect(throws: WireError.unsupportedVersion(9)) { try StreamHandshake(decoding: version[...]) }
        let huge = [UInt8](repeating: 0, count: StreamHandshake.maxEncodedBytes + 1)
        #expect(throws: WireError.oversized(size: huge.count, limit: StreamHandshake.maxEncodedBytes)) {
            try StreamHandshake(decoding: huge[...])
        }
        var long = Self.sample
        long.signature = Array(repeating: 1, count: StreamHandshake.maxSignatureBytes + 1)
        #expect(throws: WireError.self) { try long.encoded() }
    }

    @Test("decoding arbitrary bytes never traps")
    func total() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...300)) { bytes in
            _ = try? StreamHandshake(decoding: bytes[...])
            _ = EnvelopeHeader.sender(ofEnvelope: bytes[...])
        }
    }

    @Test("the sender is read from an envelope's fixed place")
    func senderPeek() throws {
        let envelope = try Fixture.sealed()
        #expect(EnvelopeHeader.sender(ofEnvelope: envelope[...]) == Fixture.alice)
        #expect(EnvelopeHeader.sender(ofEnvelope: envelope[..<20]) == nil)
    }
}
