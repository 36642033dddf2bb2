import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Prometheus

/// What the endpoint serves, shared by every connection: the registry, the health source and
/// the hook that brings gauges up to date before a scrape (attached once the node exists).
final class MetricsEndpoints: Sendable {
    typealias Hooks = (health: @Sendable () async -> NodeHealth, beforeScrape: @Sendable () async -> Void)

    let registry: PrometheusCollectorRegistry
    private let hooks = NIOLockedValueBox<Hooks?>(nil)

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func attach(_ hooks: Hooks) { self.hooks.withLockedValue { $0 = hooks } }

    func health() async -> NodeHealth {
        guard let hooks = hooks.withLockedValue({ $0 }) else { return .starting }
        return await hooks.health()
    }

    /// The exposition text, after the gauges were brought up to date.
    func exposition() async -> [UInt8] {
        if let hooks = hooks.withLockedValue({ $0 }) { await hooks.beforeScrape() }
        return registry.emitToBuffer()
    }
}

/// One HTTP connection of the metrics endpoint. NIO's pipelining helper (added by
/// `configureHTTPServerPipeline`) holds further requests until a response ends, so answers
/// never overtake each other even though the probes answer asynchronously.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests carry no body we need; a client that streams one past this is cut off.
    static let maxBodyBytes = 64 * 1024

    private let endpoints: MetricsEndpoints
    private var request: HTTPRequestHead?
    private var bodyBytes = 0
    /// A request is being answered: the idle timeout counts silence, and a client waiting for a
    /// slow scrape (a busy node) is not silent, so it must not be cut off mid-answer.
    private var answering = false

    init(endpoints: MetricsEndpoints) { self.endpoints = endpoints }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            request = head
            bodyBytes = 0
        case let .body(buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > Self.maxBodyBytes {
                request = nil
                respond(
                    context: context, keepAlive: false, isHead: false, status: .payloadTooLarge,
                    body: "request body too large\n")
            }
        case .end:
            guard let head = request else { return }
            request = nil
            answering = true
            route(head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if !answering { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        let isHead = head.method == .HEAD
        guard head.method == .GET || isHead else {
            respond(
                context: context, keepAlive: keepAlive, isHead: false, status: .methodNotAllowed,
                body: "only GET and HEAD\n", extraHeaders: [("allow", "GET, HEAD")])
            return
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch path {
        case "/metrics":
            let endpoints = endpoints
            context.eventLoop.makeFutureWithTask { await endpoints.exposition() }
                .assumeIsolated()
                .whenSuccess { bytes in
                    var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                    buffer.writeBytes(bytes)
                    self.respond(
                        context: context, keepAlive: keepAlive, isHead: isHead, status: .ok, body: buffer,
                        contentType: "text/plain; version=0.0.4; charset=utf-8")
                }
        case "/health", "/ready":
            let endpoints = endpoints
            let wantsReady = path == "/ready"
            context.eventLoop.makeFutureWithTask { await endpoints.health() }
                .assumeIsolated()
                .whenSuccess { health in
                    let ok = wantsReady ? health.isReady : health.isServing
                    self.respond(
                        context: context, keepAlive: keepAlive, isHead: isHead,
                        status: ok ? .ok : .serviceUnavailable, body: health.detail + "\n")
                }
        default:
            respond(
                context: context, keepAlive: keepAlive, isHead: isHead, status: .notFound,
                body: "not found; try /metrics, /health or /ready\n")
        }
    }

    private func respond(
        context: ChannelHandlerContext, keepAlive: Bool, isHead: Bool, status: HTTPResponseStatus,
        body: String,
        extraHeaders: [(String, String)] = []
    ) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        respond(
            context: context, keepAlive: keepAlive, isHead: isHead, status: status, body: buffer,
            contentType: "text/plain; charset=utf-8", extraHeaders: extraHeaders)
    }

    private func respond(
        context: ChannelHandlerContext, keepAlive: Bool, isHead: Bool, status: HTTPResponseStatus,
        body: ByteBuffer,
        contentType: String, extraHeaders: [(String, String)] = []
    ) {
        var headers = HTTPHeaders([
            ("content-type", contentType), ("content-length", "\(body.readableBytes)"),
            ("connection", keepAlive ? "keep-alive" : "close"),
        ])
        headers.add(contentsOf: extraHeaders)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        if !isHead { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        answering = false
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
