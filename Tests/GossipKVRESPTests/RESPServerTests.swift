import Foundation
import GossipKVCore
import GossipKVRESP
import NIOCore
import Testing

/// Starts a server on 127.0.0.1 with a free port, runs `body`, and stops the server.
func withServer(
    _ configure: (inout RESPServerConfiguration) -> Void = { _ in },
    backend: ReplicaBackend = ReplicaBackend(),
    _ body: (RESPServer, SocketAddress, ReplicaBackend) async throws -> Void
) async throws {
    var configuration = RESPServerConfiguration(port: 0)
    configure(&configuration)
    let server = RESPServer(configuration: configuration, backend: backend)
    let address = try await server.start()
    do {
        try await body(server, address, backend)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite("RESP server over real sockets", .serialized)
struct RESPServerTests {
    @Test("binds 127.0.0.1 by default and answers pipelined commands in order")
    func pipelining() async throws {
        #expect(RESPServerConfiguration().host == "127.0.0.1")
        try await withServer { _, address, _ in
            #expect(address.ipAddress == "127.0.0.1")
            let client = try await TestClient.connect(to: address)
            var pipeline = ByteBuffer()
            for index in 0..<200 {
                pipeline.writeImmutableBuffer(multibulk("SET", "k\(index)", "v\(index)"))
                pipeline.writeImmutableBuffer(multibulk("GET", "k\(index)"))
            }
            pipeline.writeString("INCR n\r\nINCR n\r\n")
            try await client.send(pipeline)
            let replies = try await client.replies(402)
            for index in 0..<200 {
                #expect(replies[2 * index] == .ok)
                #expect(replies[2 * index + 1] == .bulk("v\(index)"))
            }
            #expect(Array(replies.suffix(2)) == [.integer(1), .integer(2)])
            await client.close()
        }
    }

    @Test(
        "with few pending commands allowed, reading pauses and resumes: a long pipeline is answered in order")
    func backpressure() async throws {
        try await withServer({ $0.maxPendingCommands = 4 }) { _, address, _ in
            let client = try await TestClient.connect(to: address)
            var pipeline = ByteBuffer()
            for index in 0..<3_000 { pipeline.writeImmutableBuffer(multibulk("ECHO", "m\(index)")) }
            try await client.send(pipeline)
            let replies = try await client.replies(3_000, timeout: .seconds(60))
            #expect(replies == (0..<3_000).map { .bulk("m\($0)") })
            await client.close()
        }
    }

    @Test("a port already in use is reported with the address and what to do")
    func bindFailure() async throws {
        try await withServer { _, address, _ in
            let second = RESPServer(
                configuration: RESPServerConfiguration(port: address.port ?? 0), backend: ReplicaBackend())
            await #expect {
                try await second.start()
            } throws: { error in
                guard case let .bindFailed(host, port, _) = error as? RESPServerError else { return false }
                return host == "127.0.0.1" && port == address.port && "\(error)".contains("--resp-port")
            }
        }
    }

    @Test("inline commands work over the socket, split across packets")
    func inline() async throws {
        try await withServer { _, address, _ in
            let client = try await TestClient.connect(to: address)
            try await client.send("PING\r\nSET greeting \"hello wor")
            try await Task.sleep(for: .milliseconds(20))
            try await client.send("ld\"\r\nGET greeting\n")
            #expect(try await client.replies(3) == [.simpleString("PONG"), .ok, .bulk("hello world")])
            await client.close()
        }
    }

    @Test("pipelined multibulk commands cut at every kind of boundary across packets run once each, in order")
    func multibulkSplitAcrossPackets() async throws {
        try await withServer { _, address, _ in
            let client = try await TestClient.connect(to: address)
            let value = String(repeating: "v", count: 5_000)
            let bytes = [
                multibulk("SET", "big", value), multibulk("GET", "big"), multibulk("SET", "k", "1"),
                multibulk("GET", "k"),
            ].flatMap { Array($0.readableBytesView) }
            // Cuts inside a length line, inside a bulk, between CR and LF, and between commands.
            var start = 0
            for cut in [1, 6, 9, 20, 2_000, 5_020, 5_025, 5_030, 5_031, bytes.count - 3] where cut > start {
                try await client.send(ByteBuffer(bytes: bytes[start..<cut]))
                try await Task.sleep(for: .milliseconds(5))
                start = cut
            }
            try await client.send(ByteBuffer(bytes: bytes[start...]))
            #expect(try await client.replies(4) == [.ok, .bulk(value), .ok, .bulk("1")])
            await client.close()
        }
    }

    @Test("a client sending garbage is answered with a protocol error and cut off; others carry on")
    func garbageClientCutOff() async throws {
        try await withServer { server, address, _ in
            let good = try await TestClient.connect(to: address)
            #expect(try await good.call("SET", "a", "1") == .ok)
            let bad = try await TestClient.connect(to: address)
            try await bad.send(multibulk("SET", "b", "2"))
            try await bad.send("*2\r\n$3\r\nGET\r\n$abc\r\nmore garbage that must be ignored")
            #expect(try await bad.replies(2) == [.ok, .error("ERR Protocol error: invalid bulk length")])
            #expect(await bad.closedByServer())
            #expect(try await good.call("GET", "b") == .bulk("2"))
            #expect(server.state.snapshot.protocolErrors == 1)
            await good.close()
        }
    }

    @Test("a 1 GiB bulk header is refused at once, before any data; other clients carry on")
    func hugeBulkHeader() async throws {
        try await withServer { _, address, _ in
            let good = try await TestClient.connect(to: address)
            let bad = try await TestClient.connect(to: address)
            try await bad.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n")
            #expect(
                try await bad.reply()
                    == .error("ERR Protocol error: invalid bulk length (1073741824 bytes, limit 8454144)"))
            #expect(await bad.closedByServer())
            #expect(try await good.call("PING") == .simpleString("PONG"))
            await good.close()
        }
    }

    @Test("configured limits apply: a long inline line or an oversized command closes only that client")
    func configuredLimits() async throws {
        try await withServer({
            $0.limits = RESPLimits(
                maxBulkBytes: 100, maxArrayCount: 4, maxInlineBytes: 64, maxCommandBytes: 150)
        }) {
            _, address, _ in
            let good = try await TestClient.connect(to: address)
            let inline = try await TestClient.connect(to: address)
            try await inline.send(String(repeating: "x", count: 200))
            #expect(
                try await inline.reply()
                    == .error("ERR Protocol error: too big inline request (limit 64 bytes)"))
            #expect(await inline.closedByServer())
            let wide = try await TestClient.connect(to: address)
            try await wide.send("*5\r\n")
            #expect(
                try await wide.reply()
                    == .error("ERR Protocol error: invalid multibulk length (5 arguments, limit 4)"))
            #expect(await wide.closedByServer())
            let long = try await TestClient.connect(to: address)
            try await long.send("*2\r\n$3\r\nGET\r\n$101\r\n")
            #expect(
                try await long.reply()
                    == .error("ERR Protocol error: invalid bulk length (101 bytes, limit 100)"))
            #expect(try await good.call("SET", "k", String(repeating: "v", count: 100)) == .ok)
            await good.close()
        }
    }

    @Test("past max clients, a connection is told so and closed; a freed slot is reused")
    func maxClients() async throws {
        try await withServer({ $0.maxClients = 2 }) { server, address, _ in
            let first = try await TestClient.connect(to: address)
            let second = try await TestClient.connect(to: address)
            #expect(try await first.call("PING") == .simpleString("PONG"))
            #expect(try await second.call("PING") == .simpleString("PONG"))
            let third = try await TestClient.connect(to: address)
            #expect(try await third.reply() == .error("ERR max number of clients reached"))
            #expect(await third.closedByServer())
            await first.close()
            var fourthAnswer: RESPValue? = nil
            for _ in 0..<100 where fourthAnswer != .simpleString("PONG") {
                // The slot is released when the server sees the close; retry until then.
                let fourth = try await TestClient.connect(to: address)
                do {
                    try await fourth.send(command: "PING")
                    fourthAnswer = try await fourth.reply()
                } catch {
                    fourthAnswer = nil  // still full: refused and closed before our PING went out
                }
                await fourth.close()
                if fourthAnswer != .simpleString("PONG") { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(fourthAnswer == .simpleString("PONG"))
            #expect(server.state.snapshot.rejectedConnections >= 1)
            await second.close()
        }
    }

    @Test("an idle client is disconnected after the idle timeout; a subscriber is not")
    func idleTimeout() async throws {
        // A second, not less: under CI load the subscriber must get its SUBSCRIBE in first.
        try await withServer({ $0.idleTimeout = .seconds(1) }) { server, address, _ in
            let subscriber = try await TestClient.connect(to: address)
            let idle = try await TestClient.connect(to: address)
            #expect(
                try await subscriber.call("SUBSCRIBE", "__keyspace@0__:x")
                    == .array([.bulk("subscribe"), .bulk("__keyspace@0__:x"), .integer(1)]))
            #expect(await idle.closedByServer(within: .seconds(10)))
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(subscriber.channel.isActive)
            #expect(server.state.snapshot.idleClosures == 1)
            await subscriber.close()
        }
    }

    @Test("keyspace notifications deliver local and replicated changes to subscribers")
    func keyspaceNotifications() async throws {
        try await withServer { _, address, backend in
            let subscriber = try await TestClient.connect(to: address)
            let writer = try await TestClient.connect(to: address)
            try await subscriber.send(command: "PSUBSCRIBE", "__keyspace@0__:*")
            try await subscriber.send(command: "SUBSCRIBE", "__keyevent@0__:del")
            #expect(
                try await subscriber.replies(2) == [
                    .array([.bulk("psubscribe"), .bulk("__keyspace@0__:*"), .integer(1)]),
                    .array([.bulk("subscribe"), .bulk("__keyevent@0__:del"), .integer(2)]),
                ])
            #expect(try await writer.call("SET", "a", "1") == .ok)
            #expect(
                try await subscriber.reply()
                    == .array([
                        .bulk("pmessage"), .bulk("__keyspace@0__:*"), .bulk("__keyspace@0__:a"), .bulk("set"),
                    ]))
            let remote = Entry(
                key: Array("r".utf8), value: nil, timestamp: HLCTimestamp(physical: ReplicaBackend.start + 1),
                origin: NodeID(high: 0xB, low: 2))
            await backend.applyRemote(remote)
            #expect(
                try await subscriber.replies(2) == [
                    .array([
                        .bulk("pmessage"), .bulk("__keyspace@0__:*"), .bulk("__keyspace@0__:r"), .bulk("del"),
                    ]),
                    .array([.bulk("message"), .bulk("__keyevent@0__:del"), .bulk("r")]),
                ])
            #expect(
                try await subscriber.call("GET", "a")
                    == .error(
                        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                    ))
            try await subscriber.send(command: "PUNSUBSCRIBE")
            try await subscriber.send(command: "UNSUBSCRIBE")
            #expect(try await subscriber.replies(2).count == 2)
            #expect(try await writer.call("SET", "a", "2") == .ok)
            #expect(try await subscriber.call("GET", "a") == .bulk("2"))
            #expect(subscriber.unreadBytes == 0)
            // Unsubscribed: the connection no longer listens to the backend's changes.
            var listening = backend.subscriberCount
            for _ in 0..<200 where listening > 0 {
                try await Task.sleep(for: .milliseconds(10))
                listening = backend.subscriberCount
            }
            #expect(listening == 0)
            await subscriber.close()
            await writer.close()
        }
    }

    @Test("QUIT answers OK and closes")
    func quit() async throws {
        try await withServer { _, address, _ in
            let client = try await TestClient.connect(to: address)
            try await client.send("SET a 1\r\nQUIT\r\nGET a\r\n")
            #expect(try await client.replies(2) == [.ok, .ok])
            #expect(await client.closedByServer())
            try await Task.sleep(for: .milliseconds(50))
            #expect(client.unreadBytes == 0)
        }
    }

    @Test("stop answers what clients already sent, then closes them and stops accepting")
    func gracefulStop() async throws {
        let backend = ReplicaBackend()
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let client = try await TestClient.connect(to: address)
        #expect(try await client.call("PING") == .simpleString("PONG"))
        var pipeline = ByteBuffer()
        for index in 0..<50 { pipeline.writeImmutableBuffer(multibulk("SET", "k\(index)", "v")) }
        try await client.send(pipeline)
        try await Task.sleep(for: .milliseconds(50))
        await server.stop()
        #expect(try await client.replies(50).allSatisfy { $0 == .ok })
        #expect(await client.closedByServer())
        await #expect(throws: (any Error).self) { _ = try await TestClient.connect(to: address) }
        #expect(await backend.keys().count == 50)
    }
}
