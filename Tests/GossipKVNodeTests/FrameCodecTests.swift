import GossipKVNode
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite("stream frames")
struct FrameCodecTests {
    static func framed(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }

    @Test("frames survive whole, split, byte-at-a-time and concatenated input")
    func verifierPasses() throws {
        let payloads: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300)]
        let pairs = payloads.map { (Self.framed($0), [ByteBuffer(bytes: $0)]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(maxFrameBytes: 1_000)
        }
    }

    @Test("a length header past the limit closes the stream before buffering the frame")
    func oversizedFrameRejected() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1_024)))
        var header = ByteBuffer()
        header.writeInteger(UInt32(1 << 30))
        #expect(throws: FrameError.frameTooLarge(length: 1 << 30, limit: 1_024)) {
            try channel.writeInbound(header)
        }
        _ = try? channel.finish()
    }

    @Test("the encoder writes the length prefix the decoder reads")
    func roundTrip() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(maxFrameBytes: 100)), MessageToByteHandler(FrameEncoder()),
        ])
        try channel.writeOutbound(ByteBuffer(bytes: [9, 8, 7]))
        let wire = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(wire == Self.framed([9, 8, 7]))
        try channel.writeInbound(wire)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [9, 8, 7]))
        #expect(try channel.finish().isClean)
    }
}
