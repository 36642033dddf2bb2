import NIOCore

/// Bytes that arrived from the network, before any check. The node opens them as envelopes.
public struct InboundPacket: Sendable {
    public enum Channel: Sendable, Equatable {
        case datagram
        case stream
        case multicast
    }

    public var channel: Channel
    public var bytes: [UInt8]
    /// Where a datagram came from (for a stream: the connection's remote address).
    public var source: SocketAddress?
    /// When the event loop read it off the socket (wall-clock milliseconds), before it waited
    /// in the node's queue: a busy node must not take its own backlog for peers' slow clocks.
    public var receivedAt: UInt64 = WallClock.nowMilliseconds()
}

/// Hands every inbound buffer to a continuation; does nothing else (decisions belong to the node).
final class InboundForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let channel: InboundPacket.Channel
    private let continuation: AsyncStream<InboundPacket>.Continuation

    init(channel: InboundPacket.Channel, continuation: AsyncStream<InboundPacket>.Continuation) {
        self.channel = channel
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        continuation.yield(InboundPacket(channel: channel, bytes: bytes, source: context.remoteAddress))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A framing error (oversized or malformed stream) closes only that connection.
        context.close(promise: nil)
    }
}

/// Forwards datagrams with their source address.
final class DatagramForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let channel: InboundPacket.Channel
    private let continuation: AsyncStream<InboundPacket>.Continuation

    init(channel: InboundPacket.Channel, continuation: AsyncStream<InboundPacket>.Continuation) {
        self.channel = channel
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        let bytes = envelope.data.readBytes(length: envelope.data.readableBytes) ?? []
        continuation.yield(InboundPacket(channel: channel, bytes: bytes, source: envelope.remoteAddress))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP errors (port unreachable) surface here for UDP; they must not stop the node.
    }
}
