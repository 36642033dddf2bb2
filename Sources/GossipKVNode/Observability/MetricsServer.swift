import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Where a node's HTTP observability endpoint listens and what it exposes.
public struct MetricsServerConfiguration: Sendable {
    /// Loopback by default, like the RESP port: metrics name peers and counts, so a node shows
    /// them to other machines only when its operator says so (`--metrics-bind`).
    public var host: String
    /// 0 picks a free port (tests); `Node.metricsPort` tells which.
    public var port: Int
    /// The registry `/metrics` renders. It MUST be the one the node's `MetricsFactory` feeds
    /// (`PrometheusMetricsFactory(registry:)`), or `/metrics` shows none of the node's metrics.
    public var registry: PrometheusCollectorRegistry
    /// A connection that sends nothing for this long is closed, so idle scrapers cannot pile up.
    public var idleTimeout: TimeAmount = .seconds(30)
    /// Connections beyond this are closed at once: a scraper needs one.
    public var maxConnections = 64

    public init(host: String = "127.0.0.1", port: Int = 7380, registry: PrometheusCollectorRegistry) {
        self.host = host
        self.port = port
        self.registry = registry
    }
}

/// Why the metrics endpoint could not start.
public enum MetricsServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyStarted
    case bindFailed(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "the metrics endpoint is already running"
        case let .bindFailed(host, port, reason):
            return "cannot serve metrics on \(host):\(port): \(reason); choose another --metrics-port "
                + "(0 turns the endpoint off) or --metrics-bind"
        }
    }
}

/// A small HTTP/1.1 server (SwiftNIO's NIOHTTP1) for operators and orchestrators:
/// `GET /metrics` (Prometheus text exposition of the registry), `GET /health` (200 while the
/// node serves) and `GET /ready` (200 once it is worth sending traffic to; see `NodeHealth`).
/// Anything else is 404; methods other than GET and HEAD are 405.
///
/// The server binds before the node it reports on exists (the node's init fails when the port
/// is taken), so the health source is attached afterwards; until then both probes answer 503.
public final class MetricsServer: Sendable {
    public let configuration: MetricsServerConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    let endpoints: MetricsEndpoints

    public init(
        configuration: MetricsServerConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gossipkv.metrics")
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.endpoints = MetricsEndpoints(registry: configuration.registry)
    }

    /// The address the server listens on, once started.
    public var localAddress: SocketAddress? { listener.withLockedValue { $0?.localAddress } }

    /// Makes `/health` and `/ready` ask `health`, and `/metrics` call `beforeScrape` first (to
    /// record gauges that are cheaper to compute on demand than to keep current). Both run on
    /// every request: keep them cheap.
    public func attach(
        health: @escaping @Sendable () async -> NodeHealth,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        endpoints.attach((health: health, beforeScrape: beforeScrape))
    }

    /// Binds and starts serving; returns the bound address (the real port when 0 was asked).
    @discardableResult
    public func start() async throws -> SocketAddress {
        guard listener.withLockedValue({ $0 == nil }) else { throw MetricsServerError.alreadyStarted }
        let configuration = configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.initialize(channel, configuration) }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw MetricsServerError.bindFailed(
                host: configuration.host, port: configuration.port, reason: "\(error)")
        }
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw MetricsServerError.bindFailed(
                host: configuration.host, port: configuration.port, reason: "no local address")
        }
        listener.withLockedValue { $0 = channel }
        logger.info(
            "serving /metrics, /health and /ready",
            metadata: [
                "metrics.url": "http://\(configuration.host):\(address.port ?? configuration.port)/metrics"
            ])
        return address
    }

    /// Sets up one accepted connection (on its event loop).
    private func initialize(_ channel: any Channel, _ configuration: MetricsServerConfiguration) throws {
        let id = ObjectIdentifier(channel)
        let admitted = connections.withLockedValue { open -> Bool in
            guard open.count < configuration.maxConnections else { return false }
            open[id] = channel
            return true
        }
        guard admitted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [connections] _ in
            connections.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
        try pipeline.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
        try pipeline.addHandler(MetricsHTTPHandler(endpoints: endpoints))
    }

    /// Stops accepting and closes every open connection. Safe to call more than once.
    public func stop() async {
        let server = listener.withLockedValue { $0 }
        try? await server?.close()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { try? await channel.close() }
    }
}
