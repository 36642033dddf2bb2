import Testing

@testable import GossipKVCore

/// Bucket exchanges wait while pushes flow between the pair (`GossipEngine.mayExchangeBuckets`):
/// mid-burst every bucket differs and the exchange would ship the whole map both ways.
@Suite("bucket exchanges wait for pushes to stop")
struct BucketDeferralTests {
    /// Node 2 holds `a` (node 1's write, pushed only to it) below a watermark node 3 shares:
    /// equal digests, unequal state hashes, which only buckets resolve.
    static func unevenBelowWatermarks() throws -> EngineHarness {
        var harness = EngineHarness(count: 3)
        harness.write(1, "a", "1")
        let entry = try #require(harness.replica(1)?.map.entry(forKey: Array("a".utf8)))
        let push = GossipMessage.push(Push(hops: 1, items: [Push.Item(entry: entry, previousTimestamp: nil)]))
        harness.run([.send(push, to: EngineHarness.id(2))], from: EngineHarness.id(1))
        #expect(harness.replica(2)?.digest == harness.replica(3)?.digest)
        #expect(harness.replica(2)?.map.stateHash != harness.replica(3)?.map.stateHash)
        harness.delivered.removeAll()
        return harness
    }

    /// A push from node 3 to node 2 that changes nothing (node 2 holds `a` already): pushes flow.
    static func pushFromThreeToTwo(_ harness: inout EngineHarness) throws {
        let entry = try #require(harness.replica(2)?.map.entry(forKey: Array("a".utf8)))
        let push = GossipMessage.push(Push(hops: 2, items: [Push.Item(entry: entry, previousTimestamp: nil)]))
        harness.run([.send(push, to: EngineHarness.id(2))], from: EngineHarness.id(3))
        harness.delivered.removeAll()
    }

    @Test(
        "while pushes flow with the asker the round ends without buckets; once they stop, buckets find the difference"
    )
    func deferredWhilePushesFlow() throws {
        var harness = try Self.unevenBelowWatermarks()
        try Self.pushFromThreeToTwo(&harness)
        harness.round(from: 3, to: 2)
        #expect(!harness.kinds().contains(.bucketHashes))
        // A declining answer ends the round: no digest the asker could adopt (ours may have run
        // ahead of what we hold, which only the buckets would show).
        let answers = harness.delivered.compactMap {
            if case let .syncAnswer(answer) = $0.message { answer } else { nil }
        }
        #expect(!answers.isEmpty && answers.allSatisfy { $0.digest == nil && $0.entries.isEmpty })
        #expect(harness.replica(3)?.map.entry(forKey: Array("a".utf8)) == nil)
        // No push between them for the recent-change window: the next round exchanges buckets.
        harness.now += GossipConfig().recentChangeMilliseconds
        harness.delivered.removeAll()
        harness.round(from: 3, to: 2)
        #expect(harness.kinds() == [.syncRequest, .bucketHashes, .syncAnswer, .syncAnswer])
        #expect(harness.replica(3)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }

    @Test("a push from a third node defers it too: two leaves of the push tree share no pushes")
    func deferredWhileAnyPushFlows() throws {
        var harness = try Self.unevenBelowWatermarks()
        // Node 2 just took node 1's push; nodes 2 and 3 have exchanged none.
        harness.round(from: 3, to: 2)
        #expect(!harness.kinds().contains(.bucketHashes))
        harness.now += GossipConfig().recentChangeMilliseconds
        harness.delivered.removeAll()
        harness.round(from: 3, to: 2)
        #expect(harness.kinds().contains(.bucketHashes))
        #expect(harness.replica(3)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }

    @Test("rounds go on after the map stops changing until the exchange the pushes held back happens")
    func roundsOutlastADeferral() throws {
        var harness = try Self.unevenBelowWatermarks()
        harness.round(from: 3, to: 2)  // node 2 just took a push: it holds the exchange back
        #expect(!harness.kinds().contains(.bucketHashes))
        harness.delivered.removeAll()
        // Past the change window (the push was node 2's last change), within one more: node 2
        // still runs rounds, so the exchange does not wait for an idle summary.
        let output = harness.tick(2, at: harness.now + GossipConfig().recentChangeMilliseconds + 500)
        harness.run(output, from: EngineHarness.id(2))
        #expect(
            harness.delivered.first.map { $0.from == EngineHarness.id(2) && $0.message.kind == .syncRequest }
                == true)
        #expect(harness.kinds().contains(.bucketHashes))
        #expect(harness.replica(3)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }

    @Test("a peer that never stops pushing delays the exchange by at most the longest deferral")
    func deferralIsBounded() throws {
        var harness = try Self.unevenBelowWatermarks()
        let start = harness.now
        var exchangedAt: UInt64?
        while harness.now <= start + GossipEngine.longestBucketDeferralMilliseconds + 1_000 {
            try Self.pushFromThreeToTwo(&harness)
            harness.round(from: 3, to: 2)
            if harness.kinds().contains(.bucketHashes) {
                exchangedAt = harness.now
                break
            }
            harness.now += 1_000
        }
        let at = try #require(exchangedAt)
        #expect(at - start >= GossipEngine.longestBucketDeferralMilliseconds)
        #expect(harness.replica(3)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }
}
