import NIOCore

/// The RESP request decoder for a client connection: each complete command (multibulk or
/// inline) goes up the pipeline as a `RESPCommand`. Limits are checked as headers arrive (see
/// `RESPCommandParser`); a violation throws a `RESPError`, which the connection handler answers
/// with `-ERR Protocol error: ...` before closing that connection.
public struct RESPDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = RESPCommand

    private var parser: RESPCommandParser

    public init(limits: RESPLimits = .standard) { self.parser = RESPCommandParser(limits: limits) }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
        -> DecodingState
    {
        guard let command = try parser.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(command))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // Commands complete before EOF still run (a client may send and half-close); a partial
        // one is dropped: the client went away mid-command.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}
