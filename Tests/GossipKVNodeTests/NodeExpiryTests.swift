import Foundation
import GossipKVCore
import GossipKVNode
import Testing

/// Expiry is part of the replicated entry: every node hides the key from the same HLC deadline
/// and reports its own `expired` change once.
///
/// Timing: the full test run shares two cores with simulator suites and blocking process
/// tests, so replication here can take seconds. These tests never assume replication beats a
/// short deadline; the 600 ms case, with real processes, is in IntegrationTests.
@Suite("expiry on three loopback nodes", .serialized)
struct NodeExpiryTests {
    typealias Loopback = NodeLoopbackTests

    static func threeNodes() async throws -> [Node] {
        let a = try await Node(Loopback.configuration("a"), logger: Loopback.quietLogger)
        let b = try await Node(
            Loopback.configuration("b", seeds: [a.gossipPort]), logger: Loopback.quietLogger)
        let c = try await Node(
            Loopback.configuration("c", seeds: [a.gossipPort]), logger: Loopback.quietLogger)
        return [a, b, c]
    }

    /// The keys of `.expired` changes one node reported, in order.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ key: String) { lock.withLock { items.append(key) } }
        var all: [String] { lock.withLock { items } }
    }

    static func watch(_ nodes: [Node]) -> ([Seen], [Task<Void, Never>]) {
        let seen = nodes.map { _ in Seen() }
        let tasks = zip(nodes.map(\.changes), seen).map { stream, box in
            Task {
                for await change in stream where change.source == .expired {
                    #expect(change.value == nil)
                    box.add(String(decoding: change.key, as: UTF8.self))
                }
            }
        }
        return (seen, tasks)
    }

    static func allAlive(_ nodes: [Node]) async -> Bool {
        for node in nodes where await node.members().filter({ $0.state == .alive }).count != nodes.count {
            return false
        }
        return true
    }

    @Test(
        "a deadline set on one node: seen on the others before it, gone everywhere after, one expired change per node"
    )
    func expiryFiresOnEveryNode() async throws {
        let nodes = try await Self.threeNodes()
        let (seen, watchers) = Self.watch(nodes)
        defer { for watcher in watchers { watcher.cancel() } }
        try await Loopback.withRunning(nodes) {
            #expect(await Loopback.eventually { await Self.allAlive(nodes) })
            let key = Array("k".utf8)
            let far = HLCTimestamp(physical: await nodes[0].readTime().physical + 60_000)
            try await nodes[0].put(key, Array("v".utf8), expiry: far)
            try await nodes[0].put(Array("kept".utf8), Array("x".utf8))
            for node in nodes[1...] {
                #expect(await Loopback.eventually { await node.entry(key)?.expiry == far })
                #expect(await node.get(key) == Array("v".utf8))
            }
            // EXPIRE to 300 ms from now: the new deadline replicates and passes on every node.
            let near = HLCTimestamp(physical: await nodes[0].readTime().physical + 300)
            try await nodes[0].put(key, Array("v".utf8), expiry: near)
            // Nobody reads `k` from here on: the sweep alone must notice the deadline.
            #expect(await Loopback.eventually { seen.allSatisfy { $0.all == ["k"] } })
            for node in nodes {
                #expect(await node.entry(key)?.expiry == near)
                #expect(await node.readTime() >= near)
                #expect(await node.get(key) == nil)
                #expect(await node.liveKeys() == [Array("kept".utf8)])
            }
            // Reads after the sweep report nothing new: once per node and deadline; the
            // replaced 60 s deadline never fires.
            try await Task.sleep(for: .milliseconds(200))
            #expect(seen.map(\.all) == [["k"], ["k"], ["k"]])
        }
    }

    @Test("a deadline removed by a later write (PERSIST) never fires; a new deadline fires once")
    func overwrittenDeadlines() async throws {
        let nodes = try await Self.threeNodes()
        let (seen, watchers) = Self.watch(nodes)
        defer { for watcher in watchers { watcher.cancel() } }
        try await Loopback.withRunning(nodes) {
            #expect(await Loopback.eventually { await Self.allAlive(nodes) })
            let persisted = HLCTimestamp(physical: await nodes[0].readTime().physical + 4_000)
            try await nodes[0].put(Array("p".utf8), Array("1".utf8), expiry: persisted)
            #expect(await Loopback.eventually { await nodes[2].entry(Array("p".utf8))?.expiry == persisted })
            // PERSIST on another node: the whole entry without a deadline, replicated.
            try await nodes[2].put(Array("p".utf8), Array("1".utf8), expiry: nil)
            for node in nodes {
                #expect(await Loopback.eventually { await node.entry(Array("p".utf8))?.expiry == nil })
            }
            let near = HLCTimestamp(physical: await nodes[1].readTime().physical + 300)
            try await nodes[1].put(Array("q".utf8), Array("2".utf8), expiry: near)
            #expect(await Loopback.eventually { seen.allSatisfy { $0.all == ["q"] } })
            // Past p's old deadline on every node: p is still there and never fired.
            #expect(
                await Loopback.eventually {
                    for node in nodes where await node.readTime().physical < persisted.physical + 200 {
                        return false
                    }
                    return true
                })
            for node in nodes { #expect(await node.get("p") == "1") }
            #expect(seen.map(\.all) == [["q"], ["q"], ["q"]])
        }
    }
}
