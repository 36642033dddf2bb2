import Foundation
import GossipKVNode
import GossipKVRESP
import TestSupport
import Testing

@testable import gossipkv

/// The client commands' operations against real nodes in this process, over real sockets.
@Suite("client commands against a node", .serialized)
struct ClientCommandTests {
    /// A node on loopback with RESP on a free port; `identity` defaults to a fresh open-cluster one.
    static func node(_ name: String, seeds: [Int] = [], identity: NodeIdentity? = nil) async throws -> Node {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        var configuration = NodeConfiguration(
            name: name, identity: try identity ?? NodeIdentity.open(name: name, now: now))
        configuration.bindHost = "127.0.0.1"
        configuration.gossipPort = 0
        configuration.multicast = nil
        configuration.resp = RESPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.seeds = seeds.map { "127.0.0.1:\($0)" }
        return try await Node(configuration)
    }

    /// Runs `nodes` while `body` runs, then shuts them down.
    static func withRunning(_ nodes: [Node], _ body: () async throws -> Void) async throws {
        let tasks = nodes.map { node in Task { try await node.run() } }
        var failure: (any Error)?
        do { try await body() } catch { failure = error }
        for node in nodes { await node.shutdown() }
        for task in tasks { _ = await task.result }
        if let failure { throw failure }
    }

    /// Runs a blocking client call on its own thread, so it never holds a thread of the
    /// cooperative pool the node's actor needs.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await onOwnThread { try body() }
    }

    static func client(_ node: Node) throws -> NodeClient {
        guard let port = node.respPort else { throw ClientError.invalidAddress("no RESP port") }
        return try NodeClient(host: "127.0.0.1", port: port, timeout: 30)
    }

    @Test("set, get, del and keys round-trip through a node")
    func stringCommands() async throws {
        let node = try await Self.node("c1")
        try await Self.withRunning([node]) {
            let seen = try await Self.blocking {
                let client = try Self.client(node)
                try client.set(Array("user:1".utf8), Array("ada".utf8))
                try client.set(Array("user:2".utf8), Array("bob".utf8), expireSeconds: 100)
                try client.set(Array("other".utf8), [0, 255, 13, 10])
                let value = try client.get(Array("user:1".utf8))
                let binary = try client.get(Array("other".utf8))
                let absent = try client.get(Array("nope".utf8))
                var pages: [[[UInt8]]] = []
                try client.scanKeys(matching: "user:*", pageSize: 1) { pages.append($0) }
                let deleted = try client.delete([Array("user:1".utf8), Array("nope".utf8)])
                var after: [[UInt8]] = []
                try client.scanKeys(matching: "*") { after += $0 }
                return (value, binary, absent, pages.flatMap { $0 }, deleted, after)
            }
            #expect(seen.0 == Array("ada".utf8))
            #expect(seen.1 == [0, 255, 13, 10])
            #expect(seen.2 == nil)
            #expect(Set(seen.3) == [Array("user:1".utf8), Array("user:2".utf8)])
            #expect(seen.4 == 1)
            #expect(Set(seen.5) == [Array("user:2".utf8), Array("other".utf8)])
            #expect(await node.get("user:2") == "bob")
            let expiry = await node.entry(Array("user:2".utf8))?.expiry
            #expect(expiry != nil)
        }
    }

    @Test("members and status show both nodes, the state hash and the lag once they are in sync")
    func membersAndStatus() async throws {
        let a = try await Self.node("c2")
        let b = try await Self.node("c3", seeds: [a.gossipPort])
        try await Self.withRunning([a, b]) {
            try await a.put("k", "v")
            var info: ClusterInfo?
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let current = try await Self.blocking { try Self.client(b).clusterInfo() }
                info = current
                if current.members.count == 2,
                    current.members.allSatisfy({ $0.isSelf || $0.lagEntries == 0 }),
                    current.liveKeys == 1
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let cluster = try #require(info)
            #expect(cluster.nodeName == "c3")
            #expect(cluster.nodeID == "\(b.id)")
            #expect(cluster.liveKeys == 1)
            #expect(cluster.stateHash.count == 16)
            #expect(cluster.members.map(\.name).sorted() == ["c2", "c3"])
            #expect(cluster.members.allSatisfy { $0.state == "alive" })

            let members = MembersCommand.render(cluster).split(separator: "\n").map(String.init)
            #expect(members.count == 3)
            #expect(members[0].hasPrefix("NAME"))
            #expect(members[0].contains("LAG"))
            let row = try #require(members.first { $0.hasPrefix("c2 ") })
            #expect(row.contains("\(a.id)"))
            #expect(row.contains("alive"))
            #expect(row.hasSuffix("in sync"))
            #expect(members.contains { $0.hasPrefix("c3 ") && $0.hasSuffix("this node") })

            let status = StatusCommand.render(cluster)
            #expect(status.contains("node:        c3 (\(b.id))"))
            #expect(status.contains("keys:        1"))
            #expect(status.contains("state hash:  \(cluster.stateHash)"))
            #expect(status.contains("hlc:         \(cluster.hlc)"))
            #expect(status.contains("members:     2 (2 alive)"))
            #expect(status.split(separator: "\n").contains { $0.hasPrefix("c2 ") && $0.hasSuffix("in sync") })
        }
    }

    @Test("no node at the address: the error says how to start one")
    func nothingListening() throws {
        // Port 1 (tcpmux) is not served on these machines.
        #expect(throws: ClientError.nothingListening(endpoint: "127.0.0.1:1")) {
            _ = try NodeClient(host: "127.0.0.1", port: 1, timeout: 2)
        }
        #expect(
            ClientError.nothingListening(endpoint: "127.0.0.1:7379").description
                == "cannot connect to 127.0.0.1:7379: is a node running? start one with `gossipkv node` or `gossipkv cluster`"
        )
    }

    @Test("--node takes HOST:PORT, a bare host (port 7379) or GOSSIPKV_NODE; garbage is refused")
    func nodeOption() throws {
        #expect(
            try NodeAddressOptions.parse([]).address(environment: [:])
                == HostPort(host: "127.0.0.1", port: 7379))
        #expect(
            try NodeAddressOptions.parse(["--node", "10.0.0.2"]).address(environment: [:])
                == HostPort(host: "10.0.0.2", port: 7379))
        #expect(
            try NodeAddressOptions.parse([]).address(environment: ["GOSSIPKV_NODE": "127.0.0.1:7001"]).port
                == 7001)
        #expect(throws: ClientError.invalidAddress("a:b")) {
            try NodeAddressOptions.parse([]).address(environment: ["GOSSIPKV_NODE": "a:b"])
        }
    }

    @Test("a RESP error reply becomes .refused with the node's words")
    func refused() async throws {
        let node = try await Self.node("c4")
        try await Self.withRunning([node]) {
            let reply = try await Self.blocking { try Self.client(node).connection.call("SET", "k") }
            #expect(
                NodeClient.unexpected("SET", reply).description.hasPrefix(
                    "the node refused: ERR wrong number of arguments"))
        }
    }
}
