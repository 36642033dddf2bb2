import GossipKVCore
import GossipKVCrypto
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The node's gossip sockets: one UDP socket for digests, small answers, pushes and probes, and a
/// TCP listener plus outbound connections for answers larger than one datagram (DESIGN,
/// "Anti-entropy"). Both use the same port number. Everything received comes out of `inbound`.
///
/// In a closed cluster every frame, the handshake included, is a sealed frame (`SealedFrame`):
/// the node seals datagrams and frames itself (`Node.seal`), this transport seals the handshake,
/// and `StreamGate` opens what streams bring.
///
/// Every stream opens with a signed handshake (`StreamHandshake`): this transport sends one on
/// each connection it opens, and reads nothing but a handshake on each it accepts until that
/// verified (`StreamGate`, `StreamAdmission`); connections are capped, and closed when idle.
public final class GossipTransport: Sendable {
    public let inbound: AsyncStream<InboundPacket>
    /// Where every socket of the node delivers (multicast discovery too).
    let continuation: AsyncStream<InboundPacket>.Continuation
    private let group: any EventLoopGroup
    private let datagramChannel: any Channel
    private let streamListener: any Channel
    private let admission: StreamAdmission
    private let connections = NIOLockedValueBox<[SocketAddress: any Channel]>([:])

    /// The address the UDP socket is bound to (port 0 in tests picks a free port).
    public var localAddress: SocketAddress? { datagramChannel.localAddress }

    public static func bind(
        host: String, port: Int, maxFrameBytes: Int, group: any EventLoopGroup,
        streamLimits: StreamLimits = StreamLimits(), metrics: NodeMetrics? = nil,
        keyring: SharedKeyring = SharedKeyring(nil)
    ) async throws -> GossipTransport {
        let admission = StreamAdmission(limits: streamLimits, metrics: metrics, keyring: keyring)
        // With port 0 the UDP socket picks the port and TCP must get the same number, which a
        // client socket's ephemeral port may hold already: then try another pair.
        var attempt = 1
        while true {
            do {
                return try await bindOnce(
                    host: host, port: port, maxFrameBytes: maxFrameBytes, group: group, admission: admission)
            } catch let error as IOError where port == 0 && error.errnoCode == EADDRINUSE && attempt < 5 {
                attempt += 1
            }
        }
    }

    private static func bindOnce(
        host: String, port: Int, maxFrameBytes: Int, group: any EventLoopGroup, admission: StreamAdmission
    ) async throws -> GossipTransport {
        let (stream, continuation) = AsyncStream<InboundPacket>.makeStream(
            bufferingPolicy: .bufferingNewest(16_384))
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
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: admission.limits.idleTimeout))
                        try channel.pipeline.syncOperations.addHandler(
                            StreamGate(
                                admission: admission, continuation: continuation, maxFrameBytes: maxFrameBytes
                            ))
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
            admission: admission)
    }

    private init(
        inbound: AsyncStream<InboundPacket>, continuation: AsyncStream<InboundPacket>.Continuation,
        group: any EventLoopGroup, datagram: any Channel, listener: any Channel, admission: StreamAdmission
    ) {
        self.admission = admission
        self.inbound = inbound
        self.continuation = continuation
        self.group = group
        self.datagramChannel = datagram
        self.streamListener = listener
    }

    /// Sends one datagram; errors (unreachable peers) are dropped, as UDP would.
    public func sendDatagram(_ bytes: [UInt8], to address: SocketAddress) {
        let buffer = datagramChannel.allocator.buffer(bytes: bytes)
        datagramChannel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    /// Lets streams in and out: inbound handshakes are checked against `verifier` (renew it with
    /// `updateStreamVerifier` whenever the node admits or drops a sender); outbound streams open
    /// with a handshake signed under `credentials`. Before this, every stream is refused.
    public func configureStreams(
        localNode: NodeID, credentials: StreamCredentials, verifier: CertificateVerifier
    ) {
        admission.configure(
            acceptor: StreamHandshakeAcceptor(cluster: credentials.cluster, localNode: localNode),
            credentials: credentials, verifier: verifier)
    }

    /// The senders an inbound stream's handshake may come from, as the node's verifier has them now.
    public func updateStreamVerifier(_ verifier: CertificateVerifier) {
        admission.update(verifier: verifier)
    }

    /// Inbound streams open now: still waiting for their handshake, and authenticated.
    public var inboundStreamCounts: (pending: Int, established: Int) { admission.counts }

    /// Sends one frame over a TCP connection to `recipient` at `address`, opening it (with its
    /// handshake first) if needed.
    public func sendFrame(_ bytes: [UInt8], to address: SocketAddress, recipient: NodeID) async throws {
        let channel = try await connection(to: address, recipient: recipient)
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    private func connection(to address: SocketAddress, recipient: NodeID) async throws -> any Channel {
        if let existing = connections.withLockedValue({ $0[address] }), existing.isActive { return existing }
        guard let handshake = admission.nextHandshake(to: recipient) else { throw StreamNotConfigured() }
        let idleTimeout = admission.limits.idleTimeout
        let metrics = admission.metrics
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(OutboundStreamGuard(metrics: metrics))
                }
            }
            .connect(to: address).get()
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: handshake))
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

/// A stream was asked for before `configureStreams`.
public struct StreamNotConfigured: Error, CustomStringConvertible {
    public var description: String { "gossip streams are not configured yet (no handshake credentials)" }
}
