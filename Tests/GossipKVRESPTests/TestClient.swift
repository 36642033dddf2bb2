import GossipKVRESP
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A raw TCP client for server tests: sends bytes as given and reads replies with the
/// independent `RESPReplyParser`, so it can send what no well-behaved client would.
final class TestClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox(ByteBuffer())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLockedValue { _ = $0.writeBuffer(&bytes) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    struct Timeout: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(to address: SocketAddress) async throws -> TestClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(to: address).get()
        return TestClient(channel: channel, collector: collector)
    }

    func send(_ buffer: ByteBuffer) async throws { try await channel.writeAndFlush(buffer) }

    func send(_ text: String) async throws { try await send(ByteBuffer(string: text)) }

    func send(command words: String...) async throws {
        try await send(multibulk(words.map { Array($0.utf8) }))
    }

    /// Waits for `count` complete replies. The default wait is long: when the suite's CPU-bound
    /// tests and in-process nodes (whose actors run on the shared event loops) hold both cores,
    /// a reply has taken over 10 s; a correct reply arrives, a missing one still fails.
    func replies(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [RESPValue] {
        let deadline = ContinuousClock.now + timeout
        var result: [RESPValue] = []
        while result.count < count {
            let next = try collector.received.withLockedValue { try RESPReplyParser.next(&$0) }
            if let next {
                result.append(next)
                continue
            }
            guard ContinuousClock.now < deadline else {
                throw Timeout(what: "\(count) replies, got \(result)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return result
    }

    func reply(timeout: Duration = .seconds(60)) async throws -> RESPValue {
        try await replies(1, timeout: timeout)[0]
    }

    /// Sends one command and waits for its single reply.
    func call(_ words: String...) async throws -> RESPValue {
        try await send(multibulk(words.map { Array($0.utf8) }))
        return try await reply()
    }

    /// True once the server has closed the connection (within `timeout`).
    func closedByServer(within timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while channel.isActive {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Bytes received but not yet parsed as replies.
    var unreadBytes: Int { collector.received.withLockedValue { $0.readableBytes } }

    func close() async { try? await channel.close() }
}
