import GossipKVCore
import NIOCore
import Testing

@testable import GossipKVNode

/// `--join` and `--advertise` take host names as well as IP literals: names go through the
/// system resolver, a name that does not resolve yet leaves the node running and looking.
@Suite("seed and advertised host names", .serialized)
struct NodeSeedNameTests {
    typealias Loopback = NodeLoopbackTests

    @Test("a name resolves through getaddrinfo, IPv4 first; an IP literal needs no lookup")
    func namesResolve() async throws {
        let local = try await SeedResolver.resolve(HostPort(host: "localhost", port: 7377))
        #expect(local.first?.ipAddress == "127.0.0.1")
        #expect(local.first?.port == 7377)
        let literal = try await SeedResolver.resolve(HostPort(host: "10.1.2.3", port: 9))
        #expect(literal.map(\.ipAddress) == ["10.1.2.3"])
    }

    @Test("a name that does not resolve is a typed error naming the host, and the others still resolve")
    func unresolvableName() async throws {
        let missing = HostPort(host: "no-such-host.invalid", port: 7377)
        await #expect(throws: SeedResolver.ResolveError.self) { try await SeedResolver.resolve(missing) }
        let (addresses, failures) = await SeedResolver.resolveAll([
            missing, HostPort(host: "localhost", port: 7000),
        ])
        #expect(addresses.map(\.port) == [7000])
        #expect(failures.count == 1)
        #expect(failures.first?.description.contains("no-such-host.invalid") == true)
    }

    @Test("a node joins through a seed given by name, and advertises a name's address")
    func joinByName() async throws {
        let a = try await Node(Loopback.configuration("a"), logger: Loopback.quietLogger)
        var configuration = try Loopback.configuration("b")
        configuration.seeds = ["localhost:\(a.gossipPort)"]
        configuration.advertisedHost = "localhost"
        let b = try await Node(configuration, logger: Loopback.quietLogger)
        #expect(b.advertisedAddress.gossipSocketAddress()?.ipAddress == "127.0.0.1")
        try await Loopback.withRunning([a, b]) {
            #expect(await Loopback.eventually { await a.members().filter { $0.state == .alive }.count == 2 })
            #expect(await Loopback.eventually { await b.members().filter { $0.state == .alive }.count == 2 })
        }
    }

    @Test("a node whose only seed does not resolve starts, serves, and is not ready")
    func unresolvedSeedKeepsRunning() async throws {
        var configuration = try Loopback.configuration("lonely")
        configuration.seeds = ["no-such-host.invalid:7377"]
        let node = try await Node(configuration, logger: Loopback.quietLogger)
        try await Loopback.withRunning([node]) {
            #expect(await Loopback.eventually { await node.health().isServing })
            #expect(await !node.health().isReady)
        }
    }
}
