import GossipKVRESP
import NIOCore
import Testing

/// requirepass, protected mode and the cross-protocol guard, over real loopback sockets.
@Suite("Client security over real sockets", .serialized)
struct ClientSecurityServerTests {
    static let noAuth = RESPValue.error("NOAUTH Authentication required.")

    @Test("with requirepass a pipelined GET/SET batch is refused until AUTH, then served")
    func pipelineNeedsAuth() async throws {
        try await withServer({ $0.requirePassword = ClientPassword("pw") }) { _, address, backend in
            let client = try await TestClient.connect(to: address)
            try await client.send("SET a 1\r\nGET a\r\nAUTH pw\r\nSET a 2\r\nGET a\r\n")
            #expect(try await client.replies(5) == [Self.noAuth, Self.noAuth, .ok, .ok, .bulk("2")])
            #expect(await backend.get(Array("a".utf8)) == Array("2".utf8))
            await client.close()
        }
    }
}

extension ClientSecurityServerTests {
    @Test("an HTTP POST to the Redis port closes the connection at once: its body never runs")
    func crossProtocolPost() async throws {
        try await withServer { server, address, backend in
            let client = try await TestClient.connect(to: address)
            #expect(try await client.call("SET", "precious", "1") == .ok)
            let port = address.port ?? 0
            try await client.send(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 22\r\n\r\nFLUSHALL\r\nSET owned 1\r\n")
            #expect(await client.closedByServer())
            #expect(client.unreadBytes == 0)
            #expect(await backend.get(Array("precious".utf8)) == Array("1".utf8))
            #expect(await backend.get(Array("owned".utf8)) == nil)
            #expect(server.state.snapshot.crossProtocolAttacks == 1)
            let observer = try await TestClient.connect(to: address)
            guard case let .bulkString(info) = try await observer.call("INFO", "stats") else {
                Issue.record("INFO stats did not answer a bulk string")
                return
            }
            #expect(
                String(decoding: info ?? [], as: UTF8.self).contains("cross_protocol_disconnections:1\r\n"))
            await observer.close()
        }
    }

    @Test("a Host: line, or POST sent as a RESP array, closes the connection too")
    func crossProtocolVariants() async throws {
        try await withServer { server, address, _ in
            let host = try await TestClient.connect(to: address)
            try await host.send("host: example.com\r\nFLUSHALL\r\n")
            #expect(await host.closedByServer())
            let resp = try await TestClient.connect(to: address)
            try await resp.send(command: "POST")
            #expect(await resp.closedByServer())
            #expect(resp.unreadBytes == 0)
            #expect(server.state.snapshot.crossProtocolAttacks == 2)
            // "posts" or "hosts" are ordinary (unknown) commands.
            let other = try await TestClient.connect(to: address)
            guard case let .error(message) = try await other.call("POSTS") else {
                Issue.record("POSTS was not answered with an error")
                return
            }
            #expect(message.hasPrefix("ERR unknown command"))
            await other.close()
        }
    }

    @Test("protected mode on a loopback listener: local clients are served")
    func protectedModeLocal() async throws {
        try await withServer { server, address, _ in
            #expect(server.configuration.protectedMode)
            let client = try await TestClient.connect(to: address)
            #expect(try await client.call("PING") == .simpleString("PONG"))
            #expect(server.state.snapshot.protectedModeRefusals == 0)
            await client.close()
        }
    }
}
