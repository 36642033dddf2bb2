import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// A certified peer that lies, against a real node: its claims are refused and counted, and
/// nothing the node holds is lost (`GossipEngine+Claims.swift`, `GossipEngine+BucketExchange.swift`).
@Suite("a node and a lying peer", .serialized)
struct NodeClaimTests {
    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000) }

    /// Admits a fake peer (open cluster: its announcement is enough) and returns it.
    static func admittedPeer(to node: Node) async throws -> NodeRejectionTests.FakePeer {
        var peer = try await NodeRejectionTests.FakePeer(
            identity: try NodeIdentity.open(name: "liar", now: nowMilliseconds()))
        try await peer.send(
            try peer.announcement(port: peer.channel.localAddress?.port ?? 0), to: node.gossipPort)
        #expect(await NodeLoopbackTests.eventually { await node.members().count == 2 })
        return peer
    }

    static func send(_ message: GossipMessage, from peer: inout NodeRejectionTests.FakePeer, to node: Node)
        async throws
    {
        let body = try message.encodedBody()
        let channel: WireChannel = .gossipDatagram
        try await peer.send(
            try peer.seal(kind: message.kind, body: body, recipient: node.id, channel: channel),
            to: node.gossipPort)
    }

    static func everything(_ digest: Digest, _ origins: [NodeID], at watermark: HLCTimestamp) -> Digest {
        var forged = digest
        for origin in origins { forged.raise(origin, to: watermark) }
        return forged
    }

    @Test(
        "a reconcile and an answer with UInt64.max watermarks are refused and counted; nothing is lost or frozen"
    )
    func maxWatermarks() async throws {
        let node = try await Node(
            NodeLoopbackTests.configuration("victim"), logger: NodeLoopbackTests.quietLogger)
        try await NodeLoopbackTests.withRunning([node]) {
            for index in 0..<20 { try await node.put("key\(index)", "value\(index)") }
            var peer = try await Self.admittedPeer(to: node)
            let status = await node.status()
            let forged = Self.everything(status.digest, [node.id, peer.identity.nodeID], at: .max)
            // The victim's own bucket hashes would once have made it adopt the forged digest.
            let reconcile = Reconcile(syncID: 1, digest: forged, hashes: Array(repeating: 0, count: 256))
            try await Self.send(.reconcile(reconcile), from: &peer, to: node)
            let answer = SyncAnswer(
                syncID: 2, index: 0, count: 1, phase: .answer, digest: forged, requestedBuckets: nil,
                entries: [])
            try await Self.send(.syncAnswer(answer), from: &peer, to: node)
            #expect(
                await NodeLoopbackTests.eventually {
                    node.metrics.rejectionCounts["watermark_beyond_clock", default: 0] >= 2
                })
            let after = await node.status()
            #expect(!after.digest.watermarks.values.contains(.max))
            for index in 0..<20 { #expect(await node.get("key\(index)") == "value\(index)") }
            // Not frozen: a new write by the peer, for a new key, is taken.
            let entry = Entry(
                key: Array("fresh".utf8), value: Array("v".utf8),
                timestamp: HLCTimestamp(physical: Self.nowMilliseconds()),
                origin: peer.identity.nodeID)
            try await Self.send(
                .push(Push(hops: 1, items: [Push.Item(entry: entry, previousTimestamp: nil)])), from: &peer,
                to: node)
            #expect(await NodeLoopbackTests.eventually { await node.get("fresh") == "v" })
            try await peer.channel.close()
        }
    }

    @Test("an empty bucket answer with a covering digest wipes nothing, and the node keeps serving writes")
    func emptyBucketAnswer() async throws {
        let node = try await Node(
            NodeLoopbackTests.configuration("victim"), logger: NodeLoopbackTests.quietLogger)
        try await NodeLoopbackTests.withRunning([node]) {
            for index in 0..<20 { try await node.put("key\(index)", "value\(index)") }
            var peer = try await Self.admittedPeer(to: node)
            let status = await node.status()
            // A digest within the bound (the peer's clock) that covers every write the node made.
            let covering = Self.everything(
                status.digest, [node.id], at: HLCTimestamp(physical: Self.nowMilliseconds()))
            let opening = Reconcile(syncID: 3, digest: covering, hashes: Array(repeating: 1, count: 256))
            try await Self.send(.reconcile(opening), from: &peer, to: node)
            let all = BucketSet(words: (.max, .max, .max, .max))
            let empty = SyncAnswer(
                syncID: 3, index: 0, count: 1, phase: .buckets, digest: covering, requestedBuckets: all,
                entries: [])
            try await Self.send(.syncAnswer(empty), from: &peer, to: node)
            // A request with the covering digest, then an empty answer to the node's own rounds.
            try await Self.send(
                .syncRequest(SyncRequest(syncID: 4, digest: covering, stateHash: 1)), from: &peer, to: node)
            try await Task.sleep(for: .milliseconds(300))
            for index in 0..<20 { #expect(await node.get("key\(index)") == "value\(index)") }
            #expect(node.metrics.rejectionCounts["watermark_beyond_clock", default: 0] == 0)
            try await node.put("after", "ok")
            #expect(await node.get("after") == "ok")
            try await peer.channel.close()
        }
    }
}
