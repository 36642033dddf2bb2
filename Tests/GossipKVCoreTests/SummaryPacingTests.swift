import Testing

@testable import GossipKVCore

/// Probes and acks carry the anti-entropy summary only when it changed since the last one sent
/// to that peer, or when that one is old (`SummaryPacing`), and an idle pair still converges.
@Suite("summaries on probes and acks only when they changed")
struct SummaryPacingTests {
    static let start: UInt64 = 1_764_000_000_000
    static let a = NodeID(high: 0xA, low: 1)
    static let b = NodeID(high: 0xB, low: 2)

    static func core(_ id: NodeID, number: UInt32) -> NodeCore {
        var config = GossipConfig()
        config.idleSummaryIntervalMilliseconds = nil
        let engine = GossipEngine(replica: Replica(id: id), config: config, seed: UInt64(number), now: start)
        let membership = Membership(
            localID: id, localAddress: NodeCoreTests.address(Int(number)),
            bootEpoch: engine.replica.readTime(physical: start), config: MembershipConfig(),
            seed: UInt64(number) + 7,
            now: start)
        return NodeCore(
            engine: engine, membership: membership,
            framing: NodeCoreTests.framing(id, bootEpoch: engine.replica.readTime(physical: start)))
    }

    /// The summaries on the acks among `directives`.
    static func ackSummaries(_ directives: [NodeCoreDirective]) -> [SyncSummary?] {
        directives.compactMap { directive in
            if case let .send(.swim(.ack(_, _, summary)), _, _) = directive { return .some(summary) }
            return nil
        }
    }

    @Test("a peer gets an unchanged summary once per refresh interval, a changed one at once")
    func pacingRules() {
        var pacing = SummaryPacing(refreshMilliseconds: 10_000)
        let first = SyncSummary(digestHash: 1, stateHash: 2)
        let second = SyncSummary(digestHash: 3, stateHash: 4)
        func carries(_ summary: SyncSummary, to peer: NodeID, at now: UInt64) -> Bool {
            pacing.carries(summary, to: peer, now: now)
        }
        #expect(carries(first, to: Self.a, at: 0))
        #expect(!carries(first, to: Self.a, at: 9_999))
        #expect(carries(first, to: Self.b, at: 9_999))  // per peer
        #expect(carries(second, to: Self.a, at: 9_999))
        #expect(!carries(second, to: Self.a, at: 10_000))
        #expect(carries(second, to: Self.a, at: 19_999))  // 10 s after the last one sent
        pacing.forget(Self.a)
        #expect(carries(second, to: Self.a, at: 20_000))
        // Messages without a summary are untouched, and so are the other kinds.
        let bare = SWIMMessage.ping(sequence: 1, updates: [], summary: nil)
        let pacedBare = pacing.paced(bare, to: Self.a, now: 20_001)
        #expect(pacedBare == bare)
        let request = SWIMMessage.pingRequest(sequence: 2, target: Self.b, updates: [])
        let pacedRequest = pacing.paced(request, to: Self.a, now: 20_001)
        #expect(pacedRequest == request)
        let stale = pacing.paced(.ack(sequence: 3, updates: [], summary: second), to: Self.a, now: 20_001)
        #expect(stale == .ack(sequence: 3, updates: [], summary: nil))
    }

    @Test("acks to repeated pings carry the summary only when it changed, or after the refresh interval")
    func acksThroughTheCore() throws {
        var core = Self.core(Self.a, number: 1)
        _ = core.admit(
            Self.b, address: NodeCoreTests.address(2), incarnation: Self.start << 16, now: Self.start)
        let clock = HLCTimestamp(physical: Self.start)
        func ping(_ sequence: UInt64, at now: UInt64) -> [SyncSummary?] {
            Self.ackSummaries(
                core.receiveMembership(
                    .ping(sequence: sequence, updates: [], summary: nil), from: Self.b, senderClock: clock,
                    now: now))
        }
        let initial = core.engine.summary
        #expect(ping(1, at: Self.start + 10) == [initial])
        #expect(ping(2, at: Self.start + 20) == [nil])
        _ = try core.write(Array("k".utf8), value: Array("v".utf8), now: Self.start + 30)
        #expect(core.engine.summary != initial)
        #expect(ping(3, at: Self.start + 40) == [core.engine.summary])
        #expect(ping(4, at: Self.start + 50) == [nil])
        #expect(ping(5, at: Self.start + 40 + 10_000) == [core.engine.summary])
        // Without pacing, every ack carries it.
        var config = MembershipConfig()
        config.summaryRefreshMilliseconds = nil
        let engine = GossipEngine(
            replica: Replica(id: Self.a), config: GossipConfig(), seed: 1, now: Self.start)
        var unpaced = NodeCore(
            engine: engine,
            membership: Membership(
                localID: Self.a, localAddress: NodeCoreTests.address(1), bootEpoch: clock, config: config,
                seed: 2,
                now: Self.start),
            framing: NodeCoreTests.framing(Self.a, bootEpoch: clock))
        for sequence: UInt64 in 1...3 {
            let acks = Self.ackSummaries(
                unpaced.receiveMembership(
                    .ping(sequence: sequence, updates: [], summary: nil), from: Self.b, senderClock: clock,
                    now: Self.start + sequence))
            #expect(acks == [unpaced.engine.summary])
        }
    }

    @Test("an idle pair converges on SWIM alone after a write whose push and rounds were all lost")
    func idlePairConvergesAfterMissedWrite() throws {
        var pair = CorePair(a: Self.core(Self.a, number: 1), b: Self.core(Self.b, number: 2), now: Self.start)
        pair.admitEachOther()
        pair.run(until: Self.start + 3_000)
        // a writes, and for 8 s every anti-entropy message and every summary is lost: the push,
        // the active rounds, and the summaries on the probes and acks (stripped: the probes
        // themselves arrive, so nobody is suspected and no round starts on a return).
        pair.network = { message in
            switch message {
            case .gossip: return nil
            case let .swim(.ping(sequence, updates, _)):
                return .swim(.ping(sequence: sequence, updates: updates, summary: nil))
            case let .swim(.ack(sequence, updates, _)):
                return .swim(.ack(sequence: sequence, updates: updates, summary: nil))
            case .swim: return message
            }
        }
        _ = try pair.a.write(Array("k".utf8), value: Array("v".utf8), now: pair.now)
        pair.run(until: pair.now + 8_000)
        #expect(pair.b.engine.replica.map.entry(forKey: Array("k".utf8)) == nil)
        #expect(
            pair.a.members.allSatisfy { $0.state == .alive }
                && pair.b.members.allSatisfy { $0.state == .alive })
        // Healed, and idle: each side already "sent" its current summary, so only the refresh
        // brings one over, and the mismatch starts a round.
        pair.network = { $0 }
        let healedAt = pair.now
        pair.run(until: healedAt + 30_000) { $0.b.engine.replica.map.entry(forKey: Array("k".utf8)) != nil }
        #expect(pair.b.engine.replica.map.entry(forKey: Array("k".utf8))?.value == Array("v".utf8))
        // Within the refresh interval and a probe or two.
        #expect(pair.now - healedAt <= 12_000)
        #expect(pair.summariesDelivered < pair.swimDelivered)
    }
}

/// Two `NodeCore`s wired back to back, as a node runs them (no idle summaries from the engine:
/// SWIM carries them): every send is delivered at once, as `network` lets it; each one's timers
/// run when due.
struct CorePair {
    var a: NodeCore
    var b: NodeCore
    var now: UInt64
    /// What the network does to a send: delivers it (maybe altered) or loses it (nil).
    var network: (OutboundMessage) -> OutboundMessage? = { $0 }
    var swimDelivered = 0
    var summariesDelivered = 0

    mutating func admitEachOther() {
        let aEpoch = a.engine.replica.readTime(physical: now).rawValue
        let bEpoch = b.engine.replica.readTime(physical: now).rawValue
        let (_, fromA) = a.admit(
            b.engine.replica.id, address: NodeCoreTests.address(2), incarnation: bEpoch, now: now)
        let (_, fromB) = b.admit(
            a.engine.replica.id, address: NodeCoreTests.address(1), incarnation: aEpoch, now: now)
        deliver(fromA, from: a.engine.replica.id)
        deliver(fromB, from: b.engine.replica.id)
    }

    /// Runs timers in 10 ms steps until `deadline`, or until `done` holds.
    mutating func run(until deadline: UInt64, done: (CorePair) -> Bool = { _ in false }) {
        while now < deadline && !done(self) {
            now += 10
            if a.nextTickAt <= now { deliver(a.tick(now: now), from: a.engine.replica.id) }
            if b.nextTickAt <= now { deliver(b.tick(now: now), from: b.engine.replica.id) }
        }
    }

    mutating func deliver(_ directives: [NodeCoreDirective], from sender: NodeID) {
        var queue = directives.map { (sender, $0) }
        while !queue.isEmpty {
            let (from, directive) = queue.removeFirst()
            guard case let .send(sent, _, to: recipient) = directive, let message = network(sent) else {
                continue
            }
            let clock = (from == a.engine.replica.id ? a : b).engine.replica.readTime(physical: now)
            var target = recipient == a.engine.replica.id ? a : b
            let answers: [NodeCoreDirective]
            switch message {
            case let .gossip(gossip):
                answers = target.receiveGossip(gossip, from: from, senderClock: clock, now: now)
            case let .swim(swim):
                swimDelivered += 1
                if swim.summary != nil { summariesDelivered += 1 }
                answers = target.receiveMembership(swim, from: from, senderClock: clock, now: now)
            }
            if recipient == a.engine.replica.id { a = target } else { b = target }
            queue += answers.map { (recipient, $0) }
        }
    }
}
