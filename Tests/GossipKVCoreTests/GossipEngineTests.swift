import GossipKVCore
import Testing

/// Engines wired together by a FIFO queue: every `.send` is delivered in order unless `drop`
/// says otherwise. Time stands still unless a test moves it. Every pair completes a round at
/// the start (on empty maps), unless `reconciled` is false.
struct EngineHarness {
    var engines: [NodeID: GossipEngine] = [:]
    var now: UInt64 = 1_764_000_000_000
    var delivered: [(from: NodeID, to: NodeID, message: GossipMessage)] = []
    var directives: [NodeID: [GossipDirective]] = [:]

    init(count: Int, config: GossipConfig = GossipConfig(), limits: [Limits]? = nil, reconciled: Bool = true)
    {
        let ids = (1...count).map { NodeID(high: UInt64($0), low: 0) }
        for (index, id) in ids.enumerated() {
            let replica = Replica(id: id, limits: limits?[index] ?? .standard)
            var engine = GossipEngine(replica: replica, config: config, seed: UInt64(index), now: now)
            engine.setPeers(ids)
            engines[id] = engine
        }
        guard reconciled else { return }
        for a in 1...UInt64(count) {
            for b in 1...UInt64(count) where a < b { round(from: a, to: b) }
        }
        delivered.removeAll()
        directives.removeAll()
    }

    static func id(_ number: UInt64) -> NodeID { NodeID(high: number, low: 0) }

    mutating func write(_ node: UInt64, _ key: String, _ value: String?) {
        now += 1
        _ = try? engines[Self.id(node)]?.write(Array(key.utf8), value: value.map { Array($0.utf8) }, now: now)
    }

    /// Delivers `initial` and everything it causes, dropping messages `drop` selects.
    mutating func run(
        _ initial: [GossipDirective], from origin: NodeID,
        drop: (NodeID, NodeID, GossipMessage) -> Bool = { _, _, _ in false }
    ) {
        var queue = initial.compactMap { directive -> (NodeID, NodeID, GossipMessage)? in
            guard case let .send(message, to) = directive else { return nil }
            return (origin, to, message)
        }
        while !queue.isEmpty {
            let (from, to, message) = queue.removeFirst()
            if drop(from, to, message) { continue }
            delivered.append((from, to, message))
            guard var engine = engines[to], let sender = engines[from] else { continue }
            let clock = sender.replica.readTime(physical: now)
            let output = engine.receive(message, from: from, senderClock: clock, now: now)
            engines[to] = engine
            directives[to, default: []] += output
            for directive in output {
                if case let .send(reply, next) = directive { queue.append((to, next, reply)) }
            }
        }
    }

    mutating func round(
        from a: UInt64, to b: UInt64, drop: (NodeID, NodeID, GossipMessage) -> Bool = { _, _, _ in false }
    ) {
        guard var engine = engines[Self.id(a)] else { return }
        let output = engine.startRound(with: Self.id(b), now: now)
        engines[Self.id(a)] = engine
        run(output, from: Self.id(a), drop: drop)
    }

    mutating func tick(_ node: UInt64, at time: UInt64) -> [GossipDirective] {
        now = max(now, time)
        return engines[Self.id(node)]?.tick(now: now) ?? []
    }

    func replica(_ node: UInt64) -> Replica? { engines[Self.id(node)]?.replica }

    /// Opens a round from `node` to `peer` without delivering anything; the request it sends.
    mutating func openRound(from node: UInt64, to peer: NodeID) -> SyncRequest? {
        guard var engine = engines[Self.id(node)] else { return nil }
        let opening = engine.startRound(with: peer, now: now)
        engines[Self.id(node)] = engine
        guard case let .send(.syncRequest(request), _) = opening.first else { return nil }
        return request
    }

    func kinds() -> [MessageKind] { delivered.map(\.message.kind) }
}

@Suite("anti-entropy state machine")
struct GossipEngineTests {
    @Test("replicas that differ exchange an answer and an answer back, then hold the same map and digest")
    func roundConverges() throws {
        var harness = EngineHarness(count: 2)
        harness.write(1, "a", "1")
        harness.write(2, "b", "2")
        harness.round(from: 1, to: 2)
        let one = try #require(harness.replica(1))
        let two = try #require(harness.replica(2))
        #expect(one.map.stateHash == two.map.stateHash)
        #expect(one.map.count == 2)
        #expect(one.digest == two.digest)
        #expect(harness.kinds() == [.syncRequest, .syncAnswer, .syncAnswer])
    }

    @Test("equal digests and state hashes end a round with one small message each way")
    func inSyncRoundIsTwoMessages() {
        var harness = EngineHarness(count: 2)
        harness.write(1, "a", "1")
        harness.round(from: 1, to: 2)
        harness.delivered.removeAll()
        harness.round(from: 1, to: 2)
        #expect(harness.kinds() == [.syncRequest, .syncSummary])
    }

    @Test("equal digests with unequal state hashes fall back to bucket hashes and converge")
    func bucketFallback() throws {
        // Node 1's push reaches node 2 only out of order (no contiguity proof: watermark stays).
        var harness = try BucketDeferralTests.unevenBelowWatermarks()
        // Bucket exchanges wait until no push has flowed for a while (`BucketDeferralTests`).
        harness.now += GossipConfig().recentChangeMilliseconds
        harness.round(from: 3, to: 2)
        #expect(harness.kinds() == [.syncRequest, .bucketHashes, .syncAnswer, .syncAnswer])
        #expect(harness.replica(3)?.map.stateHash == harness.replica(2)?.map.stateHash)
    }

    @Test("an answer with a lost chunk moves no watermark; the next round completes it")
    func lostChunkKeepsWatermarks() throws {
        var config = GossipConfig()
        config.limits.maxChunkBytes = 60
        var harness = EngineHarness(count: 2, config: config)
        for index in 0..<10 { harness.write(2, "key-\(index)", "value") }
        var dropped = false
        harness.round(from: 1, to: 2) { _, _, message in
            guard case let .syncAnswer(answer) = message, answer.index == 3, !dropped else { return false }
            dropped = true
            return true
        }
        #expect(dropped)
        #expect(harness.replica(1)?.map.count == 9)
        #expect(harness.replica(1)?.digest[EngineHarness.id(2)] == .zero)
        #expect(
            harness.directives[EngineHarness.id(1)]?.contains(
                .answerCompleted(from: EngineHarness.id(2), adopted: true)) != true)
        harness.round(from: 1, to: 2)
        #expect(harness.replica(1)?.map.count == 10)
        #expect(harness.replica(1)?.digest == harness.replica(2)?.digest)
    }

    @Test("an answer with a refused entry merges the rest but adopts no watermark")
    func refusedEntryBlocksAdoption() throws {
        var small = Limits()
        small.maxValueBytes = 4
        var harness = EngineHarness(count: 2, limits: [small, .standard])
        harness.write(2, "ok", "1")
        harness.write(2, "big", "0123456789")
        harness.round(from: 1, to: 2)
        #expect(harness.replica(1)?.map.entry(forKey: Array("ok".utf8)) != nil)
        #expect(harness.replica(1)?.map.entry(forKey: Array("big".utf8)) == nil)
        #expect(harness.replica(1)?.digest[EngineHarness.id(2)] == .zero)
        #expect(
            harness.directives[EngineHarness.id(1)]?.contains(
                .rejected(.entry(.valueTooLarge), from: EngineHarness.id(2))) == true)
    }

    @Test("a message whose clock is beyond the max offset is dropped whole")
    func clockPoisoningRejected() throws {
        let harness = EngineHarness(count: 2)
        let far = HLCTimestamp(physical: harness.now + 10_000)
        let entry = Entry(key: Array("k".utf8), value: [1], timestamp: far, origin: EngineHarness.id(2))
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        let output = engine.receive(
            .push(Push(hops: 0, items: [Push.Item(entry: entry, previousTimestamp: nil)])),
            from: EngineHarness.id(2), senderClock: far, now: harness.now)
        #expect(output == [.rejected(.messageClockTooFarAhead, from: EngineHarness.id(2))])
        #expect(engine.replica.map.count == 0)
        #expect(engine.replica.clock.last < far)
    }

    @Test("writes in one push window go out as one push per peer, relayed once, duplicates dropped")
    func eagerPushRelayedOnce() throws {
        var config = GossipConfig()
        config.fanout = 2
        var harness = EngineHarness(count: 4, config: config)
        harness.write(1, "a", "1")
        harness.write(1, "b", "2")
        let flushAt = try #require(harness.engines[EngineHarness.id(1)]?.nextTickAt)
        let output = harness.tick(1, at: flushAt)
        let pushes = output.filter { if case .send(.push, _) = $0 { true } else { false } }
        #expect(pushes.count == 2)
        harness.run(output, from: EngineHarness.id(1))
        // Receivers relay with hops 1 on their next flush; relays are not relayed again.
        for node: UInt64 in 2...4 {
            guard let at = harness.engines[EngineHarness.id(node)]?.nextTickAt, at != .max else { continue }
            let relays = harness.tick(node, at: at)
            for case let .send(.push(push), _) in relays { #expect(push.hops == 1) }
            harness.run(relays, from: EngineHarness.id(node))
        }
        for node: UInt64 in 2...4 {
            let relays = harness.tick(node, at: harness.now + 3)
            #expect(!relays.contains { if case .send(.push, _) = $0 { true } else { false } })
        }
        for node: UInt64 in 1...4 { #expect(harness.replica(node)?.map.count == 2) }
    }

    @Test(
        "a push window holding more than a datagram goes as one stream-sized push per peer; one that fits stays a datagram's size"
    )
    func burstPushesAreStreamSized() throws {
        var config = GossipConfig()
        config.fanout = 2
        var harness = EngineHarness(count: 3, config: config)
        let value = String(repeating: "v", count: 40)
        for index in 0..<200 { harness.write(1, "key-\(index)", value) }
        let flushAt = try #require(harness.engines[EngineHarness.id(1)]?.nextTickAt)
        let burst = harness.tick(1, at: flushAt)
        let burstPushes = burst.compactMap { directive -> Push? in
            if case let .send(.push(push), _) = directive { push } else { nil }
        }
        // 200 writes of ~70 bytes: about 12 datagrams' worth, one push to each of the 2 peers.
        #expect(burstPushes.count == 2)
        #expect(burstPushes.allSatisfy { $0.items.count == 200 })
        harness.run(burst, from: EngineHarness.id(1))
        for node: UInt64 in 2...3 { #expect(harness.replica(node)?.map.count == 200) }

        harness.write(1, "one-more", value)
        let small = harness.tick(1, at: harness.now + 5)
        let smallPushes = small.compactMap { directive -> Push? in
            if case let .send(.push(push), _) = directive { push } else { nil }
        }
        #expect(smallPushes.count == 2)
        for push in smallPushes {
            let size = push.items.reduce(WireSize.pushOverhead) { $0 + WireSize.encodedSize(of: $1) }
            #expect(size <= config.pushBudgetBytes)
        }
    }

    @Test("a push that names the receiver's watermark as its previous write advances it")
    func contiguousPushAdvancesWatermark() throws {
        var harness = EngineHarness(count: 2)
        harness.write(1, "a", "1")
        let flush = harness.tick(1, at: harness.now + 5)
        harness.run(flush, from: EngineHarness.id(1))
        let watermark = harness.replica(2)?.digest[EngineHarness.id(1)]
        #expect(watermark == harness.replica(1)?.digest[EngineHarness.id(1)])
        #expect(watermark != .zero)
    }

    @Test("a superseded entry reaches a third replica through the overwriter's watermark, in either order")
    func supersededEntry() throws {
        for order in [[1, 2], [2, 1]] as [[UInt64]] {
            var harness = EngineHarness(count: 3)
            harness.write(1, "k", "from-A")
            harness.round(from: 2, to: 1)
            harness.write(2, "k", "from-B")
            for peer in order { harness.round(from: 3, to: peer) }
            let three = try #require(harness.replica(3))
            #expect(three.map.entry(forKey: Array("k".utf8))?.value == Array("from-B".utf8))
            #expect(three.digest[EngineHarness.id(2)] == harness.replica(2)?.digest[EngineHarness.id(2)])
            #expect(three.digest[EngineHarness.id(1)] == harness.replica(1)?.digest[EngineHarness.id(1)])
        }
    }

    @Test("an idle node sends its summary to one peer per idle interval; a mismatch starts a round")
    func idleSummaryStartsRound() {
        var harness = EngineHarness(count: 2)
        harness.write(2, "a", "1")
        // Let node 2's changes stop being recent, then node 1 sends its idle summary.
        let output = harness.tick(1, at: harness.now + 6_000)
        #expect(output.count == 1)
        harness.run(output, from: EngineHarness.id(1))
        #expect(harness.replica(1)?.map.count == 1)
        #expect(harness.kinds().first == .syncSummary)
    }
}
