import GossipKVCore
import PropertyBased
import Testing

/// What a certified peer that lies can and cannot do (`GossipEngine+Claims.swift`,
/// `GossipEngine+BucketExchange.swift`, `GossipEngine+Fencing.swift`).
@Suite("claims: bounded, and never a reason to delete")
struct ClaimTests {
    static let liar = EngineHarness.id(3)
    static func key(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Sends `message` to node 1 as node 3 would, with an envelope clock of `clock`.
    static func forge(
        _ message: GossipMessage, to harness: inout EngineHarness, clock: HLCTimestamp? = nil
    ) -> [GossipDirective] {
        guard var engine = harness.engines[EngineHarness.id(1)] else { return [] }
        let senderClock = clock ?? HLCTimestamp(physical: harness.now)
        let output = engine.receive(message, from: liar, senderClock: senderClock, now: harness.now)
        harness.engines[EngineHarness.id(1)] = engine
        return output
    }

    static func liveValues(_ replica: Replica?, now: UInt64) -> [[UInt8]: Entry] {
        var values: [[UInt8]: Entry] = [:]
        let readTime = replica?.readTime(physical: now) ?? .zero
        replica?.map.forEachEntry { entry in
            if entry.visibleValue(at: readTime) != nil { values[entry.key] = entry }
        }
        return values
    }

    static func inflated(_ digest: Digest, to watermark: HLCTimestamp, origins: [NodeID]) -> Digest {
        var forged = digest
        for origin in origins { forged.raise(origin, to: watermark) }
        return forged
    }

    @Test("an answer whose watermarks run past the sender's clock is refused whole and counted")
    func maxWatermarksRefused() throws {
        var harness = EngineHarness(count: 3)
        harness.write(1, "a", "1")
        let before = try #require(harness.replica(1))
        let opened = harness.openRound(from: 1, to: Self.liar)
        let sent = try #require(opened)
        let forged = Self.inflated(sent.digest, to: .max, origins: (1...3).map { EngineHarness.id($0) })
        let answer = SyncAnswer(
            syncID: sent.syncID, index: 0, count: 1, phase: .answer, digest: forged, requestedBuckets: nil,
            entries: [])
        let output = Self.forge(.syncAnswer(answer), to: &harness)
        #expect(output == [.rejected(.watermarkBeyondClock, from: Self.liar)])
        #expect(harness.replica(1)?.digest == before.digest)
        #expect(harness.engines[EngineHarness.id(1)]?.peerDigests[Self.liar] != forged)
        // The reconcile opening and a request are held to the same bound.
        let reconcile = Reconcile(
            syncID: 1, digest: forged, hashes: before.map.bucketHashes.map { UInt32(truncatingIfNeeded: $0) })
        #expect(
            Self.forge(.reconcile(reconcile), to: &harness) == [
                .rejected(.watermarkBeyondClock, from: Self.liar)
            ])
        let forgedRequest = SyncRequest(syncID: 2, digest: forged, stateHash: 0)
        #expect(
            Self.forge(.syncRequest(forgedRequest), to: &harness) == [
                .rejected(.watermarkBeyondClock, from: Self.liar)
            ])
    }

    @Test("the bound is the sender's clock plus the max offset")
    func boundIsClockPlusOffset() {
        let clock = HLCTimestamp(physical: 1_000_000, logical: 7)
        let bound = GossipEngine.claimBound(senderClock: clock, maxOffsetMilliseconds: 500)
        #expect(bound == HLCTimestamp(physical: 1_000_500, logical: .max))
        #expect(
            GossipEngine.claimBound(senderClock: .max, maxOffsetMilliseconds: 500).physical
                == HLCTimestamp.maxPhysical)
    }

    @Test(
        "an empty answer with inflated (but bounded) watermarks removes nothing, and later writes still arrive"
    )
    func emptyInflatedAnswerDropsNothing() throws {
        var harness = EngineHarness(count: 3)
        harness.write(1, "kept", "1")
        harness.write(2, "late", "2")
        let late = try #require(harness.replica(2)?.map.entry(forKey: Self.key("late")))
        let liveBefore = Self.liveValues(harness.replica(1), now: harness.now)
        let opened = harness.openRound(from: 1, to: Self.liar)
        let sent = try #require(opened)
        let forged = Self.inflated(
            sent.digest, to: HLCTimestamp(physical: harness.now),
            origins: (1...3).map { EngineHarness.id($0) })
        let answer = SyncAnswer(
            syncID: sent.syncID, index: 0, count: 1, phase: .answer, digest: forged, requestedBuckets: nil,
            entries: [])
        _ = Self.forge(.syncAnswer(answer), to: &harness)
        #expect(Self.liveValues(harness.replica(1), now: harness.now) == liveBefore)
        // Node 2's earlier write arrives after the inflated claim: it is merged, not refused.
        let push = GossipMessage.push(Push(hops: 1, items: [Push.Item(entry: late, previousTimestamp: nil)]))
        harness.run([.send(push, to: EngineHarness.id(1))], from: EngineHarness.id(2))
        #expect(harness.replica(1)?.map.entry(forKey: Self.key("late")) == late)
    }

    @Test("echoed bucket hashes adopt nothing, and an empty bucket answer drops nothing")
    func forgedBucketExchange() throws {
        var harness = EngineHarness(count: 3)
        harness.write(1, "a", "1")
        harness.write(1, "b", "2")
        let replica = try #require(harness.replica(1))
        let liveBefore = Self.liveValues(replica, now: harness.now)
        let echoed = replica.map.bucketHashes.map { UInt32(truncatingIfNeeded: $0) }
        let bounded = Self.inflated(
            replica.digest, to: HLCTimestamp(physical: harness.now),
            origins: (1...3).map { EngineHarness.id($0) })
        let output = Self.forge(
            .reconcile(Reconcile(syncID: 5, digest: bounded, hashes: echoed)), to: &harness)
        #expect(output.isEmpty)
        #expect(harness.replica(1)?.digest == replica.digest)
        // Random hashes: node 1 sends its buckets; the liar answers them with nothing.
        let differing = Self.forge(
            .reconcile(Reconcile(syncID: 6, digest: bounded, hashes: Array(repeating: 1, count: 256))),
            to: &harness)
        #expect(!differing.isEmpty)
        let empty = SyncAnswer(
            syncID: 6, index: 0, count: 1, phase: .buckets, digest: bounded,
            requestedBuckets: BucketSet(words: (.max, .max, .max, .max)), entries: [])
        _ = Self.forge(.syncAnswer(empty), to: &harness)
        #expect(Self.liveValues(harness.replica(1), now: harness.now) == liveBefore)
        #expect(harness.replica(1)?.digest == replica.digest)
    }

    @Test("no sequence of messages from a peer removes a live value except a newer entry for its key")
    func noMessageRemovesALiveValue() async {
        await propertyCheck(count: 200, input: WireGen.message.array(of: 1...8), Gen.uint64(in: 0...2_000)) {
            messages, skew in
            var harness = EngineHarness(count: 3)
            for index in 0..<6 { harness.write(UInt64(1 + index % 2), "k\(index)", "v\(index)") }
            harness.round(from: 1, to: 2)
            let before = Self.liveValues(harness.replica(1), now: harness.now)
            var output: [GossipDirective] = []
            for message in messages {
                output += Self.forge(message, to: &harness, clock: HLCTimestamp(physical: harness.now + skew))
            }
            let after = try #require(harness.replica(1))
            for (key, entry) in before {
                guard let held = after.map.entry(forKey: key) else {
                    Issue.record("lost \(entry) after \(messages)")
                    continue
                }
                #expect(held == entry || held.wins(over: entry))
            }
            #expect(!output.contains { if case .collected = $0 { true } else { false } })
        }
    }

    @Test("a peer's claim about our own origin is never adopted")
    func ownOriginClaimIgnored() throws {
        var harness = EngineHarness(count: 3)
        harness.write(1, "a", "1")
        let replica = try #require(harness.replica(1))
        let opened = harness.openRound(from: 1, to: Self.liar)
        let sent = try #require(opened)
        // Within the bound, so the answer is taken; but our own writes are ours to count.
        let forged = Self.inflated(
            sent.digest, to: HLCTimestamp(physical: harness.now + 100), origins: [replica.origin])
        let answer = SyncAnswer(
            syncID: sent.syncID, index: 0, count: 1, phase: .answer, digest: forged, requestedBuckets: nil,
            entries: [])
        _ = Self.forge(.syncAnswer(answer), to: &harness)
        #expect(harness.replica(1)?.digest[replica.origin] == replica.digest[replica.origin])
        // The next own write still names the true previous write, so peers advance on it.
        var after = try #require(harness.engines[EngineHarness.id(1)])
        let entry = try after.write(Self.key("b"), value: [2], now: harness.now + 1)
        #expect(after.replica.digest[replica.origin] == entry.timestamp)
    }

    @Test("the digest a node sends is capped by what its log holds durably")
    func advertisedDigestIsDurable() throws {
        var harness = EngineHarness(count: 3)
        harness.write(1, "a", "1")
        let durable = try #require(harness.replica(1)).digest
        harness.write(1, "b", "2")
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        #expect(engine.advertisedDigest == engine.replica.digest, "no disk: everything held is claimed")
        engine.markDurable(durable)
        #expect(engine.advertisedDigest == durable)
        #expect(engine.replica.digest != durable, "the replica still holds the unsynced write")
        // While the disk lags, a round waits (its answer would resend the unsynced write): our
        // summary goes instead, and it too claims only what is durable.
        let opening = engine.startRound(with: EngineHarness.id(2), now: harness.now)
        guard case let .send(.syncSummary(waiting), _) = opening.first else {
            Issue.record("no summary while the disk lags")
            return
        }
        #expect(waiting.digestHash == durable.stableHash)
        // A lag that lasts lets a round through: its request claims only what is durable.
        let later = engine.startRound(with: EngineHarness.id(2), now: harness.now + 1_000)
        guard case let .send(.syncRequest(sent), _) = later.first else {
            Issue.record("no request")
            return
        }
        #expect(sent.digest == durable)
        #expect(engine.summary.digestHash == durable.stableHash)
        engine.markDurable(engine.replica.digest)
        #expect(engine.advertisedDigest == engine.replica.digest)
    }

    /// The cache behind the summary is refreshed lazily (at a tick or a received summary), so
    /// reads between must still see every change: a write, a durable mark, a write again.
    @Test("the summary tells of every change at once, with no tick between")
    func summaryIsCurrentWithoutTick() throws {
        let harness = EngineHarness(count: 2)
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        let now = harness.now
        for round in 0..<3 {
            _ = try engine.write(Self.key("k\(round)"), value: [UInt8(round)], now: now + UInt64(round))
            #expect(engine.advertisedDigest == engine.replica.digest)
            #expect(engine.summary.digestHash == engine.replica.digest.stableHash)
            #expect(engine.summary.stateHash == engine.replica.map.stateHash)
        }
        let durable = engine.replica.digest
        engine.markDurable(durable)
        _ = try engine.write(Self.key("late"), value: [9], now: now + 10)
        #expect(engine.advertisedDigest == durable, "the write above the durable mark is not claimed")
        engine.markDurable(engine.replica.digest)
        #expect(engine.summary.digestHash == engine.replica.digest.stableHash)
        _ = engine.tick(now: now + 20)
        #expect(engine.summary.digestHash == engine.replica.digest.stableHash)
    }

    @Test("a node whose clock runs ahead of most peers refuses writes until it is back")
    func clockFencing() throws {
        var harness = EngineHarness(count: 4)
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        let start = harness.now
        // Alone (no samples) or with peers in step: writes go through.
        #expect(engine.clockFence(now: start) == nil)
        for peer: UInt64 in 2...4 {
            engine.notePeerClock(
                EngineHarness.id(peer), clock: HLCTimestamp(physical: start - 100), now: start)
        }
        #expect(engine.clockFence(now: start) == nil)
        // Later (past the window in which a peer's least-behind sample stands): one peer of
        // three far behind is the odd one, not us.
        let now = start + 2_001
        engine.notePeerClock(EngineHarness.id(2), clock: HLCTimestamp(physical: now - 600_000), now: now)
        #expect(engine.clockFence(now: now) == nil)
        // Two of three behind by ten minutes: we are the one that is wrong.
        engine.notePeerClock(EngineHarness.id(3), clock: HLCTimestamp(physical: now - 600_000), now: now)
        let fence = try #require(engine.clockFence(now: now))
        #expect(fence.peersBehind == 2 && fence.peersSampled == 3 && fence.aheadMilliseconds >= 600_000)
        #expect(throws: WriteError.clockAheadOfPeers(fence)) {
            try engine.write(Self.key("x"), value: [1], now: now)
        }
        #expect(fence.description.contains("ahead of 2 of 3 peers"))
        // Fresh samples in step lift the fence at once.
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(EngineHarness.id(peer), clock: HLCTimestamp(physical: now), now: now + 1)
        }
        #expect(engine.clockFence(now: now + 1) == nil)
        _ = try engine.write(Self.key("x"), value: [1], now: now + 1)
        harness.engines[EngineHarness.id(1)] = engine
    }

    @Test(
        "a backlog of old messages (a paused process, a queue) does not fence: the least-behind sample stands"
    )
    func backlogDoesNotFence() throws {
        var harness = EngineHarness(count: 3)
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        let now = harness.now
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(EngineHarness.id(peer), clock: HLCTimestamp(physical: now), now: now)
        }
        // Messages sealed seconds ago, read only now (they waited in the kernel's buffer).
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(
                EngineHarness.id(peer), clock: HLCTimestamp(physical: now - 5_000), now: now + 500)
        }
        #expect(engine.clockFence(now: now + 500) == nil)
        harness.engines[EngineHarness.id(1)] = engine
    }

    @Test("samples older than the window do not fence")
    func staleSamplesExpire() throws {
        var harness = EngineHarness(count: 3)
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        // Past the window in which the harness's first rounds' samples (in step) stand.
        let now = harness.now + 2_001
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(
                EngineHarness.id(peer), clock: HLCTimestamp(physical: now - 60_000), now: now)
        }
        #expect(engine.clockFence(now: now) != nil)
        #expect(engine.clockFence(now: now + engine.config.clockSampleMilliseconds + 1) == nil)
        harness.engines[EngineHarness.id(1)] = engine
    }
}
