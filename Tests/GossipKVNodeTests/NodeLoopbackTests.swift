import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVRESP
import Logging
import Testing

/// Real nodes in this process, on loopback with static seeds (no multicast), each on a free port.
@Suite("nodes on loopback", .serialized)
struct NodeLoopbackTests {
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }

    static func configuration(_ name: String, seeds: [Int] = [], identity: NodeIdentity? = nil) throws
        -> NodeConfiguration
    {
        var configuration = NodeConfiguration(
            name: name, identity: try identity ?? NodeIdentity.open(name: name, now: now()))
        configuration.bindHost = "127.0.0.1"
        configuration.gossipPort = 0
        configuration.multicast = nil
        configuration.resp = RESPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.seeds = seeds.map { "127.0.0.1:\($0)" }
        return configuration
    }

    /// Nodes in tests log warnings and errors only, so CI output stays readable.
    static var quietLogger: Logger {
        var logger = Logger(label: "gossipkv.test")
        logger.logLevel = .warning
        return logger
    }

    /// Starts `nodes`, runs `body`, then shuts every node down and waits for `run()` to return.
    static func withRunning(_ nodes: [Node], _ body: () async throws -> Void) async throws {
        let tasks = nodes.map { node in Task { try await node.run() } }
        do {
            try await body()
        } catch {
            for node in nodes { await node.shutdown() }
            for task in tasks { _ = await task.result }
            throw error
        }
        for node in nodes { await node.shutdown() }
        for task in tasks { _ = await task.result }
    }

    /// Runs `body` with two nodes on loopback (`b` seeded with `a`, `a` from `first` when given)
    /// once each sees the other alive; records an issue when they never do.
    static func withTwoFormed(
        first: NodeConfiguration? = nil, _ body: (_ a: Node, _ b: Node) async throws -> Void
    ) async throws {
        let a = try await Node(try first ?? configuration("a"), logger: quietLogger)
        let b = try await Node(configuration("b", seeds: [a.gossipPort]), logger: quietLogger)
        try await withRunning([a, b]) {
            // Formation only: on a loaded CI machine (the whole suite beside it) 30 s was once short.
            let formed = await eventually(within: 90) {
                let seenByA = await a.members().filter { $0.state == .alive }.count
                let seenByB = await b.members().filter { $0.state == .alive }.count
                return seenByA == 2 && seenByB == 2
            }
            #expect(formed, "the two nodes never saw each other alive")
            try await body(a, b)
        }
    }

    /// Polls `condition` every 10 ms for up to `seconds`.
    static func eventually(within seconds: Double = 90, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    @Test("two nodes find each other through a seed and replicate writes and deletes both ways")
    func twoNodesReplicate() async throws {
        let a = try await Node(Self.configuration("a"), logger: Self.quietLogger)
        let b = try await Node(Self.configuration("b", seeds: [a.gossipPort]), logger: Self.quietLogger)
        try await Self.withRunning([a, b]) {
            #expect(await Self.eventually { await a.members().filter { $0.state == .alive }.count == 2 })
            #expect(
                await Self.eventually { await b.members().contains { $0.name == "a" && $0.state == .alive } })
            try await a.put("k", "from a")
            #expect(await Self.eventually { await b.get("k") == "from a" })
            try await b.delete("k")
            #expect(await Self.eventually { await a.get("k") == nil })
            try await b.put("k2", "from b")
            #expect(await Self.eventually { await a.get("k2") == "from b" })
            #expect(await Self.eventually { await a.status().stateHash == b.status().stateHash })
        }
    }

    @Test("a value larger than a datagram travels over the stream")
    func largeValueUsesStream() async throws {
        let a = try await Node(Self.configuration("a"), logger: Self.quietLogger)
        let b = try await Node(Self.configuration("b", seeds: [a.gossipPort]), logger: Self.quietLogger)
        try await Self.withRunning([a, b]) {
            #expect(await Self.eventually { await b.members().filter { $0.state == .alive }.count == 2 })
            let big = [UInt8](repeating: 0x5A, count: 200_000)
            try await a.put(Array("big".utf8), big)
            #expect(await Self.eventually { await b.get(Array("big".utf8)) == big })
        }
    }

    @Test("a third node joining later receives everything written before it came")
    func lateJoinerCatchesUp() async throws {
        let a = try await Node(Self.configuration("a"), logger: Self.quietLogger)
        let b = try await Node(Self.configuration("b", seeds: [a.gossipPort]), logger: Self.quietLogger)
        try await Self.withRunning([a, b]) {
            for index in 0..<500 { try await a.put("key-\(index)", "value-\(index)") }
            let c = try await Node(Self.configuration("c", seeds: [b.gossipPort]), logger: Self.quietLogger)
            try await Self.withRunning([c]) {
                #expect(await Self.eventually { await c.status().entries == 500 })
                #expect(await Self.eventually { await c.members().filter { $0.state == .alive }.count == 3 })
                #expect(await c.get("key-499") == "value-499")
            }
        }
    }

    @Test("changes yields local and replicated writes")
    func changeFeed() async throws {
        let a = try await Node(Self.configuration("a"), logger: Self.quietLogger)
        let b = try await Node(Self.configuration("b", seeds: [a.gossipPort]), logger: Self.quietLogger)
        let changes = b.changes
        try await Self.withRunning([a, b]) {
            #expect(await Self.eventually { await b.members().filter { $0.state == .alive }.count == 2 })
            try await b.put("local", "1")
            try await a.put("remote", "2")
            var seen: [String: Change.Source] = [:]
            for await change in changes {
                seen[String(decoding: change.key, as: UTF8.self)] = change.source
                if seen.count == 2 { break }
            }
            #expect(seen == ["local": .local, "remote": .remote])
        }
    }

    @Test("nodes of different closed clusters never admit each other")
    func closedClustersDoNotMix() async throws {
        let first = try NodeIdentity.passphrase(
            "correct horse", clusterName: "test", cost: .testing, name: "a", now: Self.now())
        let second = try NodeIdentity.passphrase(
            "battery staple", clusterName: "test", cost: .testing, name: "b", now: Self.now())
        let a = try await Node(Self.configuration("a", identity: first), logger: Self.quietLogger)
        let b = try await Node(
            Self.configuration("b", seeds: [a.gossipPort], identity: second), logger: Self.quietLogger)
        let open = try await Node(Self.configuration("o", seeds: [a.gossipPort]), logger: Self.quietLogger)
        try await Self.withRunning([a, b, open]) {
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(await a.members().count == 1)
            #expect(await b.members().count == 1)
            #expect(await open.members().count == 1)
        }
    }

    @Test("the same passphrase admits nodes into one closed cluster")
    func samePassphraseJoins() async throws {
        let first = try NodeIdentity.passphrase(
            "correct horse", clusterName: "test", cost: .testing, name: "a", now: Self.now())
        let second = try NodeIdentity.passphrase(
            "correct horse", clusterName: "test", cost: .testing, name: "b", now: Self.now())
        let a = try await Node(Self.configuration("a", identity: first), logger: Self.quietLogger)
        let b = try await Node(
            Self.configuration("b", seeds: [a.gossipPort], identity: second), logger: Self.quietLogger)
        try await Self.withRunning([a, b]) {
            #expect(await Self.eventually { await a.members().filter { $0.state == .alive }.count == 2 })
            try await b.put("k", "v")
            #expect(await Self.eventually { await a.get("k") == "v" })
        }
    }
}
