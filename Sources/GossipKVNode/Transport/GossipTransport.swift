#if canImport(Glibc)
    import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The node's gossip sockets: one UDP socket for digests, small answers, pushes and probes, and a
/// TCP listener plus outbound connections for answers larger than one datagram (DESIGN,
/// "Anti-entropy"). Both use the same port number. Everything received comes out of `inbound`.
public final class GossipTransport: Sendable {
    public let inbound: AsyncStream<InboundPacket>
    /// Where every socket of the node delivers (multicast discovery too).
    let continuation: AsyncStream<InboundPacket>.Continuation
    private let group: any EventLoopGroup
    private let datagramChannel: any Channel
    private let streamListener: any Channel
    private let maxFrameBytes: Int
    private let connections = NIOLockedValueBox<[SocketAddress: any Channel]>([:])

    /// The address the UDP socket is bound to (port 0 in tests picks a free port).
    public var localAddress: SocketAddress? { datagramChannel.localAddress }

    public static func bind(host: String, port: Int, maxFrameBytes: Int, group: any EventLoopGroup) async throws
        -> GossipTransport
    {
        // With port 0 the UDP socket picks the port and TCP must get the same number, which a
        // client socket's ephemeral port may hold already: then try another pair.
        var attempt = 1
        while true {
            do {
                return try await bindOnce(host: host, port: port, maxFrameBytes: maxFrameBytes, group: group)
            } catch let error as IOError where port == 0 && error.errnoCode == EADDRINUSE && attempt < 5 {
                attempt += 1
            }
        }
    }

    private static func bindOnce(host: String, port: Int, maxFrameBytes: Int, group: any EventLoopGroup) async throws
        -> GossipTransport
    {
        let (stream, continuation) = AsyncStream<InboundPacket>.makeStream(bufferingPolicy: .bufferingNewest(16_384))
        let datagram = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DatagramForwarder(channel: .datagram, continuation: continuation))
                }
            }
            .bind(host: host, port: port).get()
        let boundPort = datagram.localAddress?.port ?? port
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)),
                            InboundForwarder(channel: .stream, continuation: continuation),
                        ])
                    }
                }
                .bind(host: host, port: boundPort).get()
        } catch {
            continuation.finish()
            try? await datagram.close()
            throw error
        }
        return GossipTransport(
            inbound: stream, continuation: continuation, group: group, datagram: datagram, listener: listener,
            maxFrameBytes: maxFrameBytes)
    }

    private init(
        inbound: AsyncStream<InboundPacket>, continuation: AsyncStream<InboundPacket>.Continuation,
        group: any EventLoopGroup, datagram: any Channel, listener: any Channel, maxFrameBytes: Int
    ) {
        self.inbound = inbound
        self.continuation = continuation
        self.group = group
        self.datagramChannel = datagram
        self.streamListener = listener
        self.maxFrameBytes = maxFrameBytes
    }

    /// Sends one datagram; errors (unreachable peers) are dropped, as UDP would.
    public func sendDatagram(_ bytes: [UInt8], to address: SocketAddress) {
        let buffer = datagramChannel.allocator.buffer(bytes: bytes)
        datagramChannel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    /// Sends one frame over a TCP connection to `address`, opening it if needed.
    public func sendFrame(_ bytes: [UInt8], to address: SocketAddress) async throws {
        let channel = try await connection(to: address)
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    private func connection(to address: SocketAddress) async throws -> any Channel {
        if let existing = connections.withLockedValue({ $0[address] }), existing.isActive { return existing }
        let maxFrameBytes = self.maxFrameBytes
        let continuation = self.continuation
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        MessageToByteHandler(FrameEncoder()),
                        ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)),
                        InboundForwarder(channel: .stream, continuation: continuation),
                    ])
                }
            }
            .connect(to: address).get()
        let replaced = connections.withLockedValue { table -> (any Channel)? in
            let old = table[address]
            table[address] = channel
            return old
        }
        if let replaced, replaced !== channel { replaced.close(promise: nil) }
        return channel
    }

    public func close() async {
        continuation.finish()
        let open = connections.withLockedValue { table -> [any Channel] in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for channel in open { try? await channel.close() }
        try? await datagramChannel.close()
        try? await streamListener.close()
    }
}
