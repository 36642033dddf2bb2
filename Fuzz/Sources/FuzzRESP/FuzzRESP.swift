import GossipKVRESP
import NIOCore

/// Feeds random bytes to the RESP request parser as a client's socket would deliver them.
///
/// The first byte picks the limits (bit 0: tight limits that mutations can reach, or the
/// production defaults) and how the rest is cut into reads (bits 1-7: a chunk-size seed; 0 means
/// the whole input at once). The rest is the client's byte stream.
///
/// Properties: the parser never traps and never over-allocates (run.sh caps any allocation at
/// 64 MiB, and a 512 MiB bulk header must not allocate); whole and chunked input yield the same
/// commands and the same error; and every command decoded re-encodes, as multibulk, to bytes
/// that decode to the same command. A broken property stops the run on purpose.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let selector = bytes[0]
    let stream = Array(bytes.dropFirst())
    let limits = selector & 1 == 0 ? RESPFuzzInput.tightLimits : RESPLimits.standard

    let whole = RESPFuzzInput.parse(stream, limits: limits, chunkSeed: 0)
    let chunked = RESPFuzzInput.parse(stream, limits: limits, chunkSeed: selector >> 1)
    precondition(whole == chunked, "whole and chunked input disagree: \(whole) vs \(chunked)")

    if case let .success(commands) = whole {
        for command in commands {
            var wire = ByteBuffer()
            wire.writeRESPValue(.array(command.arguments.map { .bulkString($0) }))
            let again = RESPFuzzInput.parse(
                wire.readBytes(length: wire.readableBytes) ?? [], limits: .standard, chunkSeed: 0)
            precondition(again == .success([command]), "\(command) does not survive re-encoding: \(again)")
        }
    }
    return 0
}

enum RESPFuzzInput {
    /// Limits small enough for mutations to cross each of them.
    static let tightLimits = RESPLimits(
        maxBulkBytes: 64, maxArrayCount: 8, maxInlineBytes: 48, maxCommandBytes: 200)

    /// Every command `stream` holds, or the error that ends it; fed in chunks of 1-8 bytes
    /// following `chunkSeed` (0: all at once).
    static func parse(_ stream: [UInt8], limits: RESPLimits, chunkSeed: UInt8) -> Result<
        [RESPCommand], RESPError
    > {
        var parser = RESPCommandParser(limits: limits)
        var buffer = ByteBuffer()
        var commands: [RESPCommand] = []
        var offset = 0
        var state = UInt32(chunkSeed) &* 2_654_435_761 | 1
        do {
            while offset < stream.count {
                var size = stream.count - offset
                if chunkSeed != 0 {
                    state = state &* 1_103_515_245 &+ 12_345
                    size = min(size, Int(state >> 16) % 8 + 1)
                }
                buffer.writeBytes(stream[offset..<(offset + size)])
                offset += size
                while let command = try parser.next(from: &buffer) { commands.append(command) }
                if buffer.readerIndex > 4096 { buffer.discardReadBytes() }
            }
            return .success(commands)
        } catch {
            return .failure(error)
        }
    }
}
