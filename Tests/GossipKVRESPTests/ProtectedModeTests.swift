import NIOCore
import NIOEmbedded
import Testing

@testable import GossipKVRESP

/// Redis's protected mode: the decision, and the refusal through the server's real accept path
/// for a peer on another machine (an `EmbeddedChannel` with that remote address: tests may only
/// use loopback sockets).
@Suite("Protected mode")
struct ProtectedModeTests {
    static func address(_ ip: String) -> SocketAddress? { try? SocketAddress(ipAddress: ip, port: 50_000) }

    @Test("loopback peers are 127.0.0.0/8, ::1 and IPv4-mapped 127.x; anything else, or unknown, is remote")
    func loopbackClassification() {
        for ip in ["127.0.0.1", "127.10.20.30", "::1", "::ffff:127.0.0.1"] {
            #expect(ClientAdmission.isLoopback(Self.address(ip)), "\(ip)")
        }
        for ip in ["10.0.0.5", "192.168.1.20", "128.0.0.1", "::ffff:10.0.0.1", "fe80::1", "2001:db8::1"] {
            #expect(!ClientAdmission.isLoopback(Self.address(ip)), "\(ip)")
        }
        #expect(!ClientAdmission.isLoopback(nil))
    }

    @Test("a remote peer is refused only with protected mode on and no password")
    func decision() {
        let remote = Self.address("192.168.1.20")
        var configuration = RESPServerConfiguration(host: "0.0.0.0", port: 0)
        #expect(ClientAdmission.protectedModeRefuses(peer: remote, configuration))
        #expect(!ClientAdmission.protectedModeRefuses(peer: Self.address("127.0.0.1"), configuration))
        configuration.requirePassword = ClientPassword("pw")
        #expect(!ClientAdmission.protectedModeRefuses(peer: remote, configuration))
        configuration.requirePassword = nil
        configuration.protectedMode = false
        #expect(!ClientAdmission.protectedModeRefuses(peer: remote, configuration))
    }

    @Test("the accept path answers a remote peer -DENIED and closes; with a password it serves it")
    func refusalThroughAcceptPath() throws {
        let configuration = RESPServerConfiguration(host: "0.0.0.0", port: 0)
        let server = RESPServer(configuration: configuration, backend: ReplicaBackend())
        let channel = EmbeddedChannel()
        channel.remoteAddress = Self.address("192.168.1.20")
        try server.initialize(channel, configuration)
        try channel.connect(to: Self.address("0.0.0.0")!).wait()
        let written = try channel.readOutbound(as: ByteBuffer.self)
        let text = written.map { String(buffer: $0) } ?? ""
        #expect(text.hasPrefix("-DENIED GossipKV is running in protected mode"))
        #expect(text.contains("--requirepass-file"))
        #expect(text.hasSuffix("\r\n"))
        #expect(!channel.isActive)
        #expect(server.state.snapshot.protectedModeRefusals == 1)
        #expect(server.state.snapshot.connectedClients == 0)

        var withPassword = configuration
        withPassword.requirePassword = ClientPassword("pw")
        let served = EmbeddedChannel()
        served.remoteAddress = Self.address("192.168.1.20")
        try server.initialize(served, withPassword)
        #expect(throws: Never.self) {
            try served.pipeline.syncOperations.handler(type: RESPConnectionHandler.self)
        }
        #expect(server.state.snapshot.protectedModeRefusals == 1)
        _ = try? served.finish()
    }
}
