import Foundation
import GossipKVCore
import GossipKVNode
import Testing

/// Expiry is part of the replicated entry: every node hides the key from the same HLC deadline
/// and reports its own `expired` change once.
@Suite("expiry on three loopback nodes", .serialized)
struct NodeExpiryTests {
    typealias Loopback = NodeLoopbackTests

    static func threeNodes() async throws -> [Node] {
        let a = try await Node(Loopback.configuration("a"), logger: Loopback.quietLogger)
        let b = try await Node(Loopback.configuration("b", seeds: [a.gossipPort]), logger: Loopback.quietLogger)
        let c = try await Node(Loopback.configuration("c", seeds: [a.gossipPort]), logger: Loopback.quietLogger)
        return [a, b, c]
    }

    /// Collects `.expired` changes of `node` for keys into a shared box until cancelled.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ key: String) { lock.withLock { items.append(key) } }
        var all: [String] { lock.withLock { items } }
    }

    @Test("a deadline set on one node: seen on the others before it, gone everywhere after, one expired change per node")
    func expiryFiresOnEveryNode() async throws {
        let nodes = try await Self.threeNodes()
        let seen = nodes.map { _ in Seen() }
        let streams = nodes.map(\.changes)
        let watchers = zip(streams, seen).map { stream, box in
            Task {
                for await change in stream where change.source == .expired {
                    #expect(change.value == nil)
                    box.add(String(decoding: change.key, as: UTF8.self))
                }
            }
        }
        defer { for watcher in watchers { watcher.cancel() } }
        try await Loopback.withRunning(nodes) {
            for node in nodes {
                #expect(await Loopback.eventually { await node.members().filter { $0.state == .alive }.count == 3 })
            }
            let key = Array("k".utf8)
            // 1.5 s, not Redis-test-like 600 ms: replication must beat the deadline even when
            // the whole test suite loads the machine (the 600 ms case runs in IntegrationTests).
            let deadline = HLCTimestamp(physical: await nodes[0].readTime().physical + 1_500)
            try await nodes[0].put(key, Array("v".utf8), expiry: deadline)
            try await nodes[0].put(Array("kept".utf8), Array("x".utf8))
            for node in nodes[1...] {
                #expect(await Loopback.eventually(within: 1.2) { await node.get(key) == Array("v".utf8) })
                #expect(await node.entry(key)?.expiry == deadline)
            }
            // Nobody reads `k` from here on: the sweep alone must notice the deadline.
            #expect(await Loopback.eventually(within: 10) { seen.allSatisfy { $0.all == ["k"] } })
            for node in nodes {
                #expect(await node.readTime() >= deadline)
                #expect(await node.get(key) == nil)
                #expect(await node.liveKeys() == [Array("kept".utf8)])
            }
            // Reads after the sweep report nothing new: once per node and deadline.
            try await Task.sleep(for: .milliseconds(200))
            #expect(seen.map(\.all) == [["k"], ["k"], ["k"]])
        }
    }

    @Test("a deadline removed by a later write (PERSIST) never fires; a new deadline fires once")
    func overwrittenDeadlines() async throws {
        let nodes = try await Self.threeNodes()
        let seen = nodes.map { _ in Seen() }
        let watchers = zip(nodes.map(\.changes), seen).map { stream, box in
            Task { for await change in stream where change.source == .expired { box.add(String(decoding: change.key, as: UTF8.self)) } }
        }
        defer { for watcher in watchers { watcher.cancel() } }
        try await Loopback.withRunning(nodes) {
            for node in nodes {
                #expect(await Loopback.eventually { await node.members().filter { $0.state == .alive }.count == 3 })
            }
            let now = await nodes[0].readTime().physical
            try await nodes[0].put(Array("p".utf8), Array("1".utf8), expiry: HLCTimestamp(physical: now + 1_500))
            #expect(await Loopback.eventually { await nodes[2].entry(Array("p".utf8))?.expiry != nil })
            // PERSIST on another node: the whole entry without a deadline, replicated.
            try await nodes[2].put(Array("p".utf8), Array("1".utf8), expiry: nil)
            try await nodes[1].put(Array("q".utf8), Array("2".utf8), expiry: HLCTimestamp(physical: now + 1_600))
            #expect(await Loopback.eventually(within: 10) { seen.allSatisfy { $0.all == ["q"] } })
            try await Task.sleep(for: .milliseconds(300))
            for node in nodes { #expect(await node.get("p") == "1") }
            #expect(seen.map(\.all) == [["q"], ["q"], ["q"]])
        }
    }
}
