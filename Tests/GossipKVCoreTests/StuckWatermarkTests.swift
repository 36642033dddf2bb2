import GossipKVCore
import Testing

/// Two honest replicas that both hold entries above a watermark that cannot move must still find
/// a difference below their watermarks (`GossipEngine+BucketExchange.swift`,
/// `bucketsAfterFruitlessAnswer`). Found by the simulator (a liar's chain with a gap, and an
/// over-claim adopted from it): every answer carried the stuck entries again, so the bucket path
/// was never taken and the pair never converged.
@Suite("anti-entropy with a stuck watermark")
struct StuckWatermarkTests {
    static let liar = EngineHarness.id(3)

    /// Delivers `message` from the liar to `node`, with the liar's envelope clock at now.
    static func fromLiar(_ message: GossipMessage, to node: UInt64, in harness: inout EngineHarness)
        -> [GossipDirective]
    {
        let id = EngineHarness.id(node)
        guard var engine = harness.engines[id] else { return [] }
        let output = engine.receive(
            message, from: liar, senderClock: HLCTimestamp(physical: harness.now), now: harness.now)
        harness.engines[id] = engine
        return output
    }

    @Test("a round whose answer changes nothing falls back to buckets and finds the value one side lacks")
    func fruitlessAnswerFallsBackToBuckets() throws {
        var harness = EngineHarness(count: 3)
        // The liar's write reaches nodes 1 and 2 out of order: both hold it above their
        // watermark for the liar's origin, which no honest node can ever move.
        harness.now += 10
        let stuck = Entry(
            key: Array("liar-key".utf8), value: Array("x".utf8),
            timestamp: HLCTimestamp(physical: harness.now),
            origin: Self.liar)
        let push = GossipMessage.push(Push(hops: 1, items: [Push.Item(entry: stuck, previousTimestamp: nil)]))
        _ = Self.fromLiar(push, to: 1, in: &harness)
        _ = Self.fromLiar(push, to: 2, in: &harness)

        // Node 2 writes k; node 1 never receives it, but adopts the liar's (bounded) claim that
        // it holds node 2's writes up to k.
        harness.write(2, "k", "v")
        let k = try #require(harness.replica(2)?.map.entry(forKey: Array("k".utf8)))
        let opened = harness.openRound(from: 1, to: Self.liar)
        let sent = try #require(opened)
        var claimed = sent.digest
        claimed.raise(EngineHarness.id(2), to: k.timestamp)
        let answer = SyncAnswer(
            syncID: sent.syncID, index: 0, count: 1, phase: .answer, digest: claimed, requestedBuckets: nil,
            entries: [])
        _ = Self.fromLiar(.syncAnswer(answer), to: 1, in: &harness)
        #expect(harness.replica(1)?.digest[EngineHarness.id(2)] == k.timestamp)
        // Node 2 adopts a claim about node 1's origin beyond what node 1 wrote (node 1 never
        // adopts claims about itself), so the two digests differ and node 2 answers with its
        // delta, which holds nothing but the stuck entry.
        let openedByTwo = harness.openRound(from: 2, to: Self.liar)
        let sentByTwo = try #require(openedByTwo)
        var aboutOne = sentByTwo.digest
        aboutOne.raise(EngineHarness.id(1), to: HLCTimestamp(physical: harness.now))
        let answerToTwo = SyncAnswer(
            syncID: sentByTwo.syncID, index: 0, count: 1, phase: .answer, digest: aboutOne,
            requestedBuckets: nil,
            entries: [])
        _ = Self.fromLiar(.syncAnswer(answerToTwo), to: 2, in: &harness)
        #expect(harness.replica(1)?.digest != harness.replica(2)?.digest)
        #expect(harness.replica(1)?.map.entry(forKey: Array("k".utf8)) == nil)

        // Node 2's summary reaches node 1, which opens a round: the answer holds only the stuck
        // entry node 1 already has, so buckets follow and k arrives.
        // (Once no push has flowed for a while: bucket exchanges wait for pushes to stop.)
        harness.now += GossipConfig().recentChangeMilliseconds
        let summary = try #require(harness.engines[EngineHarness.id(2)]?.summary)
        harness.delivered.removeAll()
        harness.run([.send(.syncSummary(summary), to: EngineHarness.id(1))], from: EngineHarness.id(2))
        #expect(harness.kinds().contains(.bucketHashes))
        #expect(harness.replica(1)?.map.entry(forKey: Array("k".utf8)) == k)
        #expect(harness.replica(1)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }

    @Test("a fruitless answer from a peer whose state hash equals ours sends no buckets")
    func equalStateHashesNoBuckets() throws {
        var harness = EngineHarness(count: 2)
        harness.write(1, "a", "1")
        harness.round(from: 1, to: 2)
        harness.delivered.removeAll()
        let summary = try #require(harness.engines[EngineHarness.id(2)]?.summary)
        harness.run([.send(.syncSummary(summary), to: EngineHarness.id(1))], from: EngineHarness.id(2))
        #expect(!harness.kinds().contains(.bucketHashes))
    }

    @Test(
        "a peer whose empty answer shows it lacks our entries gets them in the answer back, not again through buckets"
    )
    func emptyAnswerDrawsNoBuckets() throws {
        var harness = EngineHarness(count: 2)
        for index in 0..<5 { harness.write(2, "key-\(index)", "value") }
        // Node 1's summary tells node 2 its state hash and makes node 2 ask: node 1 answers
        // with nothing, node 2 answers back with the five writes.
        let summary = try #require(harness.engines[EngineHarness.id(1)]?.summary)
        harness.run([.send(.syncSummary(summary), to: EngineHarness.id(2))], from: EngineHarness.id(1))
        #expect(harness.kinds().contains(.syncRequest))
        #expect(!harness.kinds().contains(.bucketHashes))
        #expect(harness.replica(1)?.map.count == 5)
        #expect(harness.replica(1)?.digest == harness.replica(2)?.digest)
    }

    @Test("while a peer's answer back is on its way, a round with that peer sends no request of ours")
    func noRequestWhileAnswerBackComes() throws {
        var harness = EngineHarness(count: 2)
        for index in 0..<5 { harness.write(2, "key-\(index)", "value") }
        let opened = harness.openRound(from: 2, to: EngineHarness.id(1))
        let request = try #require(opened)
        var returning = try #require(harness.engines[EngineHarness.id(1)])
        let sender = try #require(harness.engines[EngineHarness.id(2)])
        let clock = sender.replica.readTime(physical: harness.now)
        let answer = returning.receive(
            .syncRequest(request), from: EngineHarness.id(2), senderClock: clock, now: harness.now)
        #expect(answer.contains { if case .send(.syncAnswer, _) = $0 { true } else { false } })
        let round = returning.startRound(with: EngineHarness.id(2), now: harness.now)
        #expect(!round.contains { if case .send(.syncRequest, _) = $0 { true } else { false } })
    }
}
