import GossipKVNode
import NIOCore
import NIOEmbedded

/// The gossip stream's frame decoder (`FrameDecoder`: a 4-byte big-endian length, then that many
/// bytes), fed through NIO's `ByteToMessageHandler` as a node feeds it. The first byte picks the
/// frame limit (bit 0: 64 bytes, so the limit is reachable with small inputs, or 16 MiB) and
/// the read sizes (the other bits seed them); the rest is the peer's byte stream.
///
/// Properties: no trap and no allocation over 64 MiB (a 4 GiB length allocates nothing); the
/// frames equal those of a plain reference split of the bytes, whole and in chunks alike, up to
/// the first length past the limit, which fails both ways at the same frame; re-framing the
/// frames with `FrameEncoder`'s layout gives back exactly the bytes they came from.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let limit = first & 1 == 1 ? 64 : 16 * 1024 * 1024
    let stream = Array(input.dropFirst())
    let reference = referenceSplit(stream, limit: limit)
    let whole = decode(stream, limit: limit, chunkSeed: nil)
    let chunked = decode(stream, limit: limit, chunkSeed: first >> 1)
    precondition(whole.frames == reference.frames, "whole input: frames differ from the reference split")
    precondition(whole.failed == reference.failed, "whole input: failure differs from the reference split")
    precondition(chunked.frames == reference.frames, "chunked input: frames differ from the reference split")
    precondition(
        chunked.failed == reference.failed, "chunked input: failure differs from the reference split")
    var reframed: [UInt8] = []
    for frame in reference.frames {
        let length = UInt32(frame.count)
        reframed += [
            UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ]
        reframed += frame
    }
    precondition(reframed[...] == stream.prefix(reframed.count), "frames do not re-frame to their bytes")
    return 0
}

/// Frames split by hand: the specification the decoder is held to.
func referenceSplit(_ bytes: [UInt8], limit: Int) -> (frames: [[UInt8]], failed: Bool) {
    var frames: [[UInt8]] = []
    var offset = 0
    while bytes.count - offset >= 4 {
        let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        if length > limit { return (frames, true) }
        guard bytes.count - offset - 4 >= length else { break }
        frames.append(Array(bytes[(offset + 4)..<(offset + 4 + length)]))
        offset += 4 + length
    }
    return (frames, false)
}

/// Feeds `bytes` to a `FrameDecoder` in one write, or in writes of 1...16 bytes drawn from
/// `chunkSeed`; stops at the first error.
func decode(_ bytes: [UInt8], limit: Int, chunkSeed: UInt8?) -> (frames: [[UInt8]], failed: Bool) {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: limit)))
    var frames: [[UInt8]] = []
    var failed = false
    var offset = 0
    var state = UInt32(chunkSeed ?? 0) &* 2_654_435_761 | 1
    func drain() {
        while let frame = try? channel.readInbound(as: ByteBuffer.self) {
            frames.append(Array(frame.readableBytesView))
        }
    }
    while offset < bytes.count, !failed {
        var step = bytes.count - offset
        if chunkSeed != nil {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            step = min(step, Int(state % 16) + 1)
        }
        let buffer = ByteBuffer(bytes: bytes[offset..<(offset + step)])
        offset += step
        do {
            try channel.writeInbound(buffer)
        } catch {
            failed = true
        }
        drain()
    }
    if !failed {
        do { _ = try channel.finish() } catch { failed = true }
        drain()
    } else {
        _ = try? channel.finish()
    }
    return (frames, failed)
}
