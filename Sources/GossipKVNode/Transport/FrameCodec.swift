import NIOCore

/// Why a stream frame was refused; the connection is closed and the reason counted.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case frameTooLarge(length: Int, limit: Int)

    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit):
            return "stream frame of \(length) bytes exceeds the \(limit)-byte limit"
        }
    }
}

/// Splits a byte stream into frames: a 4-byte big-endian length, then that many bytes (one
/// sealed envelope). A length above the limit closes the connection before any of the frame is
/// buffered, so a hostile peer cannot make us allocate 4 GiB. The node's inbound streams frame
/// the same way in `StreamGate`, which also reads nothing larger than a handshake before one
/// verified; this plain decoder is the reference for that framing (its tests run NIO's decoder
/// verifier on it).
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
        -> DecodingState
    {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return .needMoreData
        }
        guard Int(length) <= maxFrameBytes else {
            throw FrameError.frameTooLarge(length: Int(length), limit: maxFrameBytes)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A partial frame at EOF is dropped: the peer went away mid-frame.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}

/// Prefixes each outbound frame with its 4-byte big-endian length.
public struct FrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
