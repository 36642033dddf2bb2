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
