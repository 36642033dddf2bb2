import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why the server could not start.
public enum RESPServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyStarted
    case bindFailed(host: String, port: Int, reason: String)
    /// The TLS certificate or key could not be loaded.
    case tlsSetupFailed(reason: String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "the RESP server is already running"
        case let .bindFailed(host, port, reason):
            return
                "cannot listen for Redis clients on \(host):\(port): \(reason); choose another --resp-port or --resp-bind"
        case let .tlsSetupFailed(reason):
            return
                "cannot set up TLS for Redis clients: \(reason); check --tls-cert-file and --tls-key-file (PEM)"
        }
    }
}

/// The Redis-protocol (RESP2 and RESP3) server of a node: a SwiftNIO listener whose connections
/// parse commands (`RESPConnectionHandler`, `RESPCommandParser`), run them against a
/// `RESPBackend` (`CommandExecutor`, one task per connection) and write the replies.
///
/// Lifecycle: `start()` binds and returns the bound address; `stop()` stops accepting, lets
/// each connection answer what it already read (up to the grace period), then closes it;
/// `run()` does both around a wait, for a service group.
public final class RESPServer: Sendable {
    public let configuration: RESPServerConfiguration
    public let state: RESPServerState
    private let executor: CommandExecutor
    let group: any EventLoopGroup
    let logger: Logger
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)
    /// The TLS listener, when `configuration.tls` is set (`RESPServer+TLS.swift`).
    let tlsListener = NIOLockedValueBox<(any Channel)?>(nil)
    private let clients = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let stopped = NIOLockedValueBox(false)

    public init(
        configuration: RESPServerConfiguration, backend: any RESPBackend,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gossipkv.resp")
    ) {
        self.configuration = configuration
        self.state = RESPServerState(maxClients: configuration.maxClients)
        self.executor = CommandExecutor(
            backend: backend, server: state, password: configuration.requirePassword)
        self.group = group
        self.logger = logger
    }

    /// The address the server listens on, once started.
    public var localAddress: SocketAddress? { listener.withLockedValue { $0?.localAddress } }

    /// The address of the TLS listener, once started with `configuration.tls`.
    public var tlsLocalAddress: SocketAddress? { tlsListener.withLockedValue { $0?.localAddress } }

    /// Binds and starts accepting clients; returns the bound address (its port is the real one
    /// when the configuration asked for port 0).
    ///
    /// The listener's bootstrap, plain or TLS (`secure` adds the TLS handler first): both
    /// listeners run the same pipeline, limits and admission.
    func listenerBootstrap(
        acceptingClients: Bool, secure: (@Sendable (any Channel) throws -> Void)? = nil
    ) -> ServerBootstrap {
        let configuration = configuration
        return ServerBootstrap(group: group)
            .serverChannelOption(.autoRead, value: acceptingClients)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try secure?(channel)
                    try self.initialize(channel, configuration)
                }
            }
    }

    /// With `acceptingClients: false` it binds but accepts no connection until
    /// `beginAccepting()`: clients that connect meanwhile wait in the kernel's backlog, so a
    /// node can learn its port early yet answer no command (not even PING) before its store is
    /// attached.
    @discardableResult
    public func start(acceptingClients: Bool = true) async throws -> SocketAddress {
        guard listener.withLockedValue({ $0 == nil }) else { throw RESPServerError.alreadyStarted }
        let bootstrap = listenerBootstrap(acceptingClients: acceptingClients)
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw RESPServerError.bindFailed(
                host: configuration.host, port: configuration.port, reason: "\(error)")
        }
        listener.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw RESPServerError.bindFailed(
                host: configuration.host, port: configuration.port, reason: "no local address")
        }
        state.port = address.port ?? configuration.port
        if let tls = configuration.tls {
            do {
                _ = try await startTLS(tls, acceptingClients: acceptingClients)
            } catch {
                try? await channel.close()
                listener.withLockedValue { $0 = nil }
                throw error
            }
        }
        logger.info("listening for Redis clients", metadata: ["resp.address": "\(address)"])
        if configuration.protectedMode, configuration.requirePassword == nil,
            !ClientAdmission.isLoopback(address)
        {
            logger.notice(
                """
                protected mode: no password is set, so Redis clients from other machines are refused; \
                set --requirepass-file (or GOSSIPKV_REQUIREPASS), or --no-protected-mode on a trusted network
                """)
        }
        return address
    }

    /// Starts accepting the connections held back by `start(acceptingClients: false)`.
    public func beginAccepting() async {
        for channel in [listener.withLockedValue({ $0 }), tlsListener.withLockedValue({ $0 })].compactMap({
            $0
        }) {
            try? await channel.setOption(.autoRead, value: true).get()
        }
    }

    /// Sets up one accepted connection (on its event loop): refuses it in protected mode or
    /// past `maxClients`, else installs the connection handler.
    func initialize(_ channel: any Channel, _ configuration: RESPServerConfiguration) throws {
        let pipeline = channel.pipeline.syncOperations
        if ClientAdmission.protectedModeRefuses(peer: channel.remoteAddress, configuration) {
            state.update { $0.protectedModeRefusals += 1 }
            try pipeline.addHandler(RejectingHandler(reply: .error(ClientAdmission.protectedModeRefusal)))
            return
        }
        guard !stopped.withLockedValue({ $0 }), state.admit() else {
            try pipeline.addHandler(RejectingHandler(reply: .err("max number of clients reached")))
            return
        }
        let id = ObjectIdentifier(channel)
        clients.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { [state, clients] _ in
            state.release()
            clients.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        if let idle = configuration.idleTimeout {
            try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
        }
        try pipeline.addHandler(
            RESPConnectionHandler(
                executor: executor, limits: configuration.limits,
                maxPendingCommands: configuration.maxPendingCommands,
                maxPendingBytes: configuration.limits.maxCommandBytes, logger: logger))
    }

    /// Stops accepting, asks every connection to finish the commands it already read, and closes
    /// those still open after the grace period. Safe to call more than once.
    public func stop() async {
        stopped.withLockedValue { $0 = true }
        let server = listener.withLockedValue { $0 }
        try? await server?.close()
        try? await tlsListener.withLockedValue({ $0 })?.close()
        let open = clients.withLockedValue { Array($0.values) }
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(RESPStopEvent()) }
        let deadline = NIODeadline.now() + configuration.shutdownGracePeriod
        for channel in open {
            let remaining = deadline - NIODeadline.now()
            let closed = channel.eventLoop.scheduleTask(in: max(remaining, .zero)) {
                channel.close(promise: nil)
            }
            try? await channel.closeFuture.get()
            closed.cancel()
        }
        logger.info("stopped listening for Redis clients")
    }

    /// Starts the server and serves until `stop()` is called (or the task is cancelled).
    public func run() async throws {
        try await start()
        let server = listener.withLockedValue { $0 }
        await withTaskCancellationHandler {
            try? await server?.closeFuture.get()
        } onCancel: {
            Task { await self.stop() }
        }
    }
}

/// Answers a connection the server will not serve with one error line, then closes it.
final class RejectingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let reply: RESPValue

    init(reply: RESPValue) { self.reply = reply }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 256)
        buffer.writeRESPValue(reply)
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
