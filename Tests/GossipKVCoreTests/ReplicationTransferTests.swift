import Testing

@testable import GossipKVCore

/// Issue 12: each write crosses each link about once. Pending links keep watermarks moving under
/// reordering, the push tree sends each member one copy, and rounds and answers do not repeat
/// what pushes or another exchange already bring.
@Suite("replication transfers: links, push tree, one exchange at a time")
struct ReplicationTransferTests {
    static let writer = EngineHarness.id(1)
    static let receiver = EngineHarness.id(2)

    /// Three writes of node 1 (`timestamps[i]` follows `timestamps[i - 1]`; the first follows zero).
    static func writes() -> [(entry: Entry, previous: HLCTimestamp)] {
        let base: UInt64 = 1_764_000_000_000
        var previous = HLCTimestamp.zero
        return (1...3).map { index in
            let timestamp = HLCTimestamp(physical: base, logical: UInt16(index))
            let entry = Entry(
                key: Array("k\(index)".utf8), value: [UInt8(index)], timestamp: timestamp, origin: writer)
            defer { previous = timestamp }
            return (entry, previous)
        }
    }

    static func push(_ write: (entry: Entry, previous: HLCTimestamp)) -> GossipMessage {
        .push(Push(hops: 1, items: [Push.Item(entry: write.entry, previousTimestamp: write.previous)]))
    }

    static func deliver(_ message: GossipMessage, to engine: inout GossipEngine, now: UInt64)
        -> [GossipDirective]
    {
        engine.receive(message, from: writer, senderClock: HLCTimestamp(physical: now), now: now)
    }

    @Test("a write that fills a gap moves the watermark past the writes that arrived before it")
    func gapFilledByLateWrite() {
        let harness = EngineHarness(count: 2)
        var engine = harness.engines[Self.receiver]!
        let writes = Self.writes()
        _ = Self.deliver(Self.push(writes[2]), to: &engine, now: harness.now)
        _ = Self.deliver(Self.push(writes[1]), to: &engine, now: harness.now)
        #expect(engine.replica.digest[Self.writer] == .zero)
        #expect(engine.replica.hasGap(origin: Self.writer))
        _ = Self.deliver(Self.push(writes[0]), to: &engine, now: harness.now)
        #expect(engine.replica.digest[Self.writer] == writes[2].entry.timestamp)
        #expect(!engine.replica.hasGap(origin: Self.writer))
        #expect(engine.replica.pendingLinkCount.waiting == 0)
    }

    @Test("a duplicate push still fills a gap: its link counts though its entry is already held")
    func duplicateFillsGap() {
        var config = GossipConfig()
        config.maxPendingLinks = 0
        let harness = EngineHarness(count: 2, config: config)
        var engine = harness.engines[Self.receiver]!
        let writes = Self.writes()
        // The second write first: applied, but its link is not kept (no room).
        _ = Self.deliver(Self.push(writes[1]), to: &engine, now: harness.now)
        _ = Self.deliver(Self.push(writes[0]), to: &engine, now: harness.now)
        #expect(engine.replica.digest[Self.writer] == writes[0].entry.timestamp)
        #expect(engine.replica.pendingLinkCount.refused == 1)
        // A relayed copy of the second write: a duplicate, and what proves contiguity now.
        let output = Self.deliver(Self.push(writes[1]), to: &engine, now: harness.now)
        #expect(!output.contains { if case .applied = $0 { true } else { false } })
        #expect(engine.replica.digest[Self.writer] == writes[1].entry.timestamp)
    }

    @Test(
        "pending links are capped and counted; a complete answer then moves the watermark along the kept ones"
    )
    func pendingLinkCap() {
        var replica = Replica(id: Self.receiver)
        replica.setPendingLinkCapacity(2)
        let t = (1...5).map { HLCTimestamp(physical: 1_000, logical: UInt16($0)) }
        #expect(replica.link(origin: Self.writer, previous: t[3], to: t[4]) == .pending)
        #expect(replica.link(origin: Self.writer, previous: t[2], to: t[3]) == .pending)
        #expect(replica.link(origin: Self.writer, previous: t[1], to: t[2]) == .refused)
        #expect(replica.pendingLinkCount == (waiting: 2, refused: 1))
        #expect(replica.link(origin: Self.writer, previous: .zero, to: t[0]) == .advanced)
        #expect(replica.link(origin: Self.writer, previous: t[0], to: t[1]) == .advanced)
        // The link from t[1] to t[2] was not kept: the watermark waits at t[1].
        #expect(replica.digest[Self.writer] == t[1])
        replica.adopt(Digest([Self.writer: t[2]]))
        #expect(replica.digest[Self.writer] == t[4])
        #expect(replica.pendingLinkCount.waiting == 0)
        // Never about our own writes.
        #expect(replica.link(origin: replica.origin, previous: .zero, to: t[0]) == .ownOrigin)
        #expect(replica.digest[replica.origin] == .zero)
    }

    @Test("the push tree sends each member one copy of a write, in at most two hops")
    func pushTreeReachesEachMemberOnce() throws {
        var harness = EngineHarness(count: 10)
        harness.write(1, "a", "1")
        let flushAt = try #require(harness.engines[Self.writer]?.nextTickAt)
        let first = harness.tick(1, at: flushAt)
        harness.run(first, from: Self.writer)
        for node: UInt64 in 2...10 {
            guard let at = harness.engines[EngineHarness.id(node)]?.nextTickAt, at <= harness.now + 2 else {
                continue
            }
            harness.run(harness.tick(node, at: at), from: EngineHarness.id(node))
        }
        let pushes = harness.delivered.filter { if case .push = $0.message { true } else { false } }
        #expect(pushes.count == 9)
        #expect(Set(pushes.map(\.to)).count == 9)
        #expect(!pushes.contains { $0.to == Self.writer })
        for node: UInt64 in 2...10 { #expect(harness.replica(node)?.map.count == 1) }
        // The same tree from the pure function, for a larger view: disjoint and complete.
        let members = (1...50).map { NodeID(high: UInt64($0), low: 7) }
        let root = members[17]
        let children = try #require(
            GossipEngine.pushTreeTargets(members: members, root: root, me: root, fanout: 3))
        var reached = children
        for child in children {
            reached += try #require(
                GossipEngine.pushTreeTargets(members: members, root: root, me: child, fanout: 3))
        }
        #expect(reached.count == 49)
        #expect(Set(reached) == Set(members).subtracting([root]))
    }

    @Test("no round goes to a peer that pushes flowed with in the last interval")
    func noRoundWhilePushesFlow() throws {
        var harness = EngineHarness(count: 3)
        let start = harness.now
        harness.write(2, "a", "1")
        let flushAt = try #require(harness.engines[EngineHarness.id(2)]?.nextTickAt)
        harness.run(harness.tick(2, at: flushAt), from: EngineHarness.id(2))
        // Node 1 applied node 2's push, so its rounds are on; its first round (one gossip
        // interval after it started) comes within the interval of that push.
        let output = harness.tick(1, at: start + GossipConfig().gossipIntervalMilliseconds)
        let targets = output.compactMap { directive -> NodeID? in
            if case let .send(_, to) = directive { return to } else { return nil }
        }
        #expect(!targets.isEmpty)
        #expect(!targets.contains(EngineHarness.id(2)))
    }

    @Test("crossing requests: only the lower node id's is answered, so the pair exchanges once")
    func crossingRequestsAnsweredOnce() throws {
        var harness = EngineHarness(count: 2)
        harness.write(1, "a", "1")
        harness.write(2, "b", "2")
        var one = harness.engines[Self.writer]!
        var two = harness.engines[Self.receiver]!
        let fromOne = one.startRound(with: Self.receiver, now: harness.now)
        let fromTwo = two.startRound(with: Self.writer, now: harness.now)
        harness.engines[Self.writer] = one
        harness.engines[Self.receiver] = two
        harness.run(fromTwo, from: Self.receiver)
        harness.run(fromOne, from: Self.writer)
        let answers = harness.delivered.filter {
            if case let .syncAnswer(answer) = $0.message { answer.phase == .answer } else { false }
        }
        #expect(answers.count == 1)
        #expect(answers.first?.from == Self.receiver)
        #expect(harness.replica(1)?.map.sortedEntries() == harness.replica(2)?.map.sortedEntries())
        #expect(harness.replica(1)?.map.count == 2)
    }

    @Test("crossing requests stay answered once when a summary from the peer lands between them")
    func crossingRequestsSurviveASummary() throws {
        var harness = EngineHarness(count: 2)
        for index in 0..<4 { harness.write(1, "a\(index)", "1") }
        for index in 0..<4 { harness.write(2, "b\(index)", "2") }
        var one = try #require(harness.engines[Self.writer])
        var two = try #require(harness.engines[Self.receiver])
        let fromOne = one.startRound(with: Self.receiver, now: harness.now)
        let fromTwo = two.startRound(with: Self.writer, now: harness.now)
        // Node 2's first SWIM message after a heal carries its (differing) summary; it reaches
        // node 1 before node 2's request. Node 1's round must stay open, so that the crossing
        // guard still sees its request out and leaves node 2's request unanswered.
        let onSummary = one.receive(
            .syncSummary(two.summary), from: Self.receiver,
            senderClock: two.replica.readTime(physical: harness.now), now: harness.now)
        #expect(onSummary.isEmpty)
        harness.engines[Self.writer] = one
        harness.engines[Self.receiver] = two
        harness.run(fromTwo, from: Self.receiver)
        harness.run(fromOne, from: Self.writer)
        let entriesShipped = harness.delivered.reduce(0) { total, delivery in
            if case let .syncAnswer(answer) = delivery.message { return total + answer.entries.count }
            return total
        }
        let answers = harness.delivered.filter {
            if case let .syncAnswer(answer) = $0.message { answer.phase == .answer } else { false }
        }
        #expect(answers.count == 1)
        #expect(entriesShipped == 8)
        #expect(harness.replica(1)?.map.sortedEntries() == harness.replica(2)?.map.sortedEntries())
        #expect(harness.replica(1)?.map.count == 8)
    }

    @Test("a differing summary opens no round while pushes flow through the node; it does once they stop")
    func summaryOpensNoRoundWhilePushesFlow() throws {
        var harness = EngineHarness(count: 3)
        harness.write(3, "x", "3")  // node 3 holds what node 2 lacks: their summaries differ
        harness.write(1, "a", "1")
        let entry = try #require(harness.replica(1)?.map.entry(forKey: Array("a".utf8)))
        let push = GossipMessage.push(
            Push(hops: 1, items: [Push.Item(entry: entry, previousTimestamp: .zero)]))
        harness.run([.send(push, to: Self.receiver)], from: Self.writer)
        var two = try #require(harness.engines[Self.receiver])
        let three = try #require(harness.engines[EngineHarness.id(3)])
        let opensRound: ([GossipDirective]) -> Bool = { directives in
            directives.contains { if case .send(.syncRequest, _) = $0 { true } else { false } }
        }
        // Mid-burst the summary on every probe and ack differs; a round would ship what the
        // pushes deliver anyway.
        let during = two.receive(
            .syncSummary(three.summary), from: EngineHarness.id(3),
            senderClock: three.replica.readTime(physical: harness.now), now: harness.now)
        #expect(!opensRound(during))
        let later = harness.now + GossipConfig().gossipIntervalMilliseconds
        let after = two.receive(
            .syncSummary(three.summary), from: EngineHarness.id(3),
            senderClock: three.replica.readTime(physical: later), now: later)
        #expect(opensRound(after))
    }

    @Test("a node behind two peers takes what it lacks from one; the other's request is declined")
    func oneInboundTransferAtATime() throws {
        var harness = EngineHarness(count: 3)
        for index in 0..<20 { harness.write(2, "k\(index)", "v") }
        harness.round(from: 3, to: 2)
        var two = harness.engines[EngineHarness.id(2)]!
        var three = harness.engines[EngineHarness.id(3)]!
        let requestTwo = two.startRound(with: Self.writer, now: harness.now)
        let requestThree = three.startRound(with: Self.writer, now: harness.now)
        harness.engines[EngineHarness.id(2)] = two
        harness.engines[EngineHarness.id(3)] = three
        var one = harness.engines[Self.writer]!
        guard case let .send(first, _)? = requestTwo.first, case let .send(second, _)? = requestThree.first
        else {
            Issue.record("no requests")
            return
        }
        let answered = one.receive(
            first, from: EngineHarness.id(2), senderClock: two.replica.readTime(physical: harness.now),
            now: harness.now)
        let declined = one.receive(
            second, from: EngineHarness.id(3), senderClock: three.replica.readTime(physical: harness.now),
            now: harness.now)
        harness.engines[Self.writer] = one
        #expect(answered.contains { if case .send(.syncAnswer, _) = $0 { true } else { false } })
        // Declined: an empty answer without a digest (nothing adopted, nothing answered back).
        guard case let .send(.syncAnswer(decline), to)? = declined.first else {
            Issue.record("expected a declining answer, got \(declined)")
            return
        }
        #expect(declined.count == 1 && to == EngineHarness.id(3))
        #expect(decline.digest == nil && decline.entries.isEmpty && decline.phase == .answer)
        harness.run(answered, from: Self.writer)
        harness.run(declined, from: Self.writer)
        let entriesToOne = harness.delivered.filter { $0.to == Self.writer }.reduce(0) { total, delivery in
            if case let .syncAnswer(answer) = delivery.message { return total + answer.entries.count }
            return total
        }
        #expect(entriesToOne == 20)
        #expect(harness.replica(1)?.map.count == 20)
    }

    @Test("a peer answering our request opens no round of its own with us: we get its map once")
    func answeringPeerOpensNoCrossingRound() throws {
        var harness = EngineHarness(count: 2)
        for index in 0..<5 { harness.write(1, "key-\(index)", "value") }
        // Node 2 (back empty) asks node 1, which answers; then node 1's membership sees node 2
        // return and opens a round with it. Its request would overtake the answer (a large
        // answer goes over TCP) and cross node 2's own; node 2 would answer it, and node 1
        // would answer back with everything a second time.
        let opened = harness.openRound(from: 2, to: Self.writer)
        let request = try #require(opened)
        var one = try #require(harness.engines[Self.writer])
        let two = try #require(harness.engines[Self.receiver])
        let answer = one.receive(
            .syncRequest(request), from: Self.receiver,
            senderClock: two.replica.readTime(physical: harness.now),
            now: harness.now)
        let round = one.startRound(with: Self.receiver, now: harness.now)
        harness.engines[Self.writer] = one
        #expect(!round.contains { if case .send(.syncRequest, _) = $0 { true } else { false } })
        harness.run(round + answer, from: Self.writer)
        let entriesToTwo = harness.delivered.filter { $0.to == Self.receiver }.reduce(0) { total, delivery in
            if case let .syncAnswer(answer) = delivery.message { return total + answer.entries.count }
            return total
        }
        #expect(entriesToTwo == 5)
        #expect(harness.replica(2)?.map.count == 5)
        #expect(harness.replica(2)?.digest == harness.replica(1)?.digest)
    }
}
