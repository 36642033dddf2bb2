import GossipKVCore
import PropertyBased
import Testing

/// One `Membership` driven by hand: the protocol's rules, one message at a time.
@Suite("membership state machine")
struct MembershipTests {
    static let start: UInt64 = 1_764_000_000_000
    static let me = NodeID(high: 0xFFFF, low: 1)
    static let epoch = HLCTimestamp(physical: start, logical: 7)
    /// The clock every test message carries: the start, like our own.
    static let clock = HLCTimestamp(physical: start)
    /// A member that gossips to us and is not one of the `peer(1...)` the tests know.
    static let gossiper = NodeID(high: 0xEEEE, low: 9)

    static func peer(_ number: Int) -> NodeID { NodeID(high: UInt64(number), low: 0) }
    static func address(_ number: Int) -> MemberAddress {
        MemberAddress(host: .ipv4(0x0A00_0000 + UInt32(number)), gossipPort: 7377, clientPort: 7379)
    }

    /// A node that knows peers 1...count, each at incarnation 1.
    static func node(peers count: Int, config: MembershipConfig = MembershipConfig(), seed: UInt64 = 3)
        -> Membership
    {
        var node = Membership(
            localID: me, localAddress: address(100), bootEpoch: epoch, config: config, seed: seed, now: start)
        for number in stride(from: 1, through: count, by: 1) {
            _ = node.addMember(peer(number), address: address(number), incarnation: 1, now: start)
        }
        return node
    }

    static func sends(_ directives: [MembershipDirective]) -> [(SWIMMessage, NodeID)] {
        directives.compactMap {
            if case let .send(message, to) = $0 { return (message, to) } else { return nil }
        }
    }

    /// Ticks at `nextTickAt` until a probe goes out; returns its sequence and target. The probe
    /// is the last ping of a tick: a buddy ping to a newly suspected member comes before it.
    static func nextProbe(_ node: inout Membership) -> (sequence: UInt64, target: NodeID, at: UInt64)? {
        for _ in 0..<10 {
            let at = node.nextTickAt
            for (message, to) in sends(node.tick(now: at, summary: nil)).reversed() {
                if case let .ping(sequence, _, _) = message { return (sequence, to, at) }
            }
        }
        return nil
    }

    @Test("a node's incarnation starts at its boot epoch")
    func incarnationFromBootEpoch() {
        let node = Self.node(peers: 0)
        #expect(node.incarnation == Self.epoch.rawValue)
        #expect(node.localMember.state == .alive)
        #expect(node.members.map(\.id) == [Self.me])
    }

    @Test("addMember answers with a named result")
    func addMemberResults() {
        var node = Self.node(peers: 0)
        let other = Self.peer(1)
        #expect(node.addMember(Self.me, address: Self.address(1), incarnation: 9, now: Self.start) == .isSelf)
        #expect(node.addMember(other, address: Self.address(1), incarnation: 5, now: Self.start) == .added)
        #expect(
            node.addMember(other, address: Self.address(1), incarnation: 5, now: Self.start)
                == .alreadyKnown(.alive))
        #expect(
            node.addMember(other, address: Self.address(1), incarnation: 4, now: Self.start)
                == .newerIncarnationKnown(5))
        _ = node.apply(
            [MemberUpdate(id: other, address: Self.address(1), incarnation: 5, state: .dead)],
            from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.member(other)?.state == .dead)
        #expect(
            node.addMember(other, address: Self.address(2), incarnation: 6, now: Self.start)
                == .renewed(previous: .dead))
        #expect(node.member(other)?.state == .alive)
        #expect(node.member(other)?.address == Self.address(2))
    }

    @Test(
        "an unanswered probe: ping, ping-requests to k others after the probe timeout, suspicion at the end of the period, death after the suspicion timeout"
    )
    func probeTimeline() throws {
        var node = Self.node(peers: 5)
        let probe = try #require(Self.nextProbe(&node))
        // The probe timeout: ping-requests to three others, none of them the target.
        #expect(node.nextTickAt == probe.at + 300)
        let indirect = Self.sends(node.tick(now: probe.at + 300, summary: nil))
        #expect(indirect.count == 3)
        for (message, relay) in indirect {
            #expect(
                message
                    == .pingRequest(sequence: probe.sequence, target: probe.target, updates: message.updates))
            #expect(relay != probe.target && relay != Self.me)
        }
        #expect(Set(indirect.map(\.1)).count == 3)
        // The end of the period: suspect, and the next probe.
        #expect(node.nextTickAt == probe.at + 1_000)
        let end = node.tick(now: probe.at + 1_000, summary: nil)
        #expect(
            end.contains {
                if case let .memberChanged(member, .alive) = $0 {
                    member.id == probe.target && member.state == .suspect
                } else {
                    false
                }
            })
        // The accused hears it at once (buddy system).
        #expect(
            Self.sends(end).contains {
                $0.1 == probe.target && $0.0.updates.first?.id == probe.target
                    && $0.0.updates.first?.state == .suspect
            })
        // No relay nacked: this node blames itself (Lifeguard) and waits longer.
        #expect(node.localHealth == 3)
        let timeout = node.currentSuspicionTimeout
        #expect(timeout == 1_500 * 4)
        // Nothing more about the target until the suspicion times out, whatever else is probed.
        var now = probe.at + 1_000
        var death: UInt64?
        while death == nil && now < probe.at + 20_000 {
            now = node.nextTickAt
            for directive in node.tick(now: now, summary: nil) {
                if case let .memberChanged(member, .suspect) = directive, member.id == probe.target,
                    member.state == .dead
                {
                    death = now
                }
            }
        }
        #expect(death == probe.at + 1_000 + timeout)
    }

    @Test("an ack to the current probe prevents suspicion and lowers local health")
    func ackedProbe() throws {
        var node = Self.node(peers: 3)
        // Fail one probe with no relays nacking, to raise local health first.
        let failed = try #require(Self.nextProbe(&node))
        _ = node.tick(now: failed.at + 300, summary: nil)
        // Ending the failed period starts the next probe.
        let probe = try #require(Self.nextProbe(&node))
        #expect(probe.at == failed.at + 1_000)
        let health = node.localHealth
        #expect(health == 2)
        let ack = node.receive(
            .ack(sequence: probe.sequence, updates: [], summary: nil), from: probe.target,
            senderClock: Self.clock, now: probe.at + 5, summary: nil)
        #expect(ack.isEmpty)
        #expect(node.localHealth == health - 1)
        #expect(node.member(probe.target)?.lastHeardAt == probe.at + 5)
        // A stretched period, (health + 1) seconds; no ping-requests, no suspicion at its end.
        #expect(node.nextTickAt == probe.at + 1_000 * UInt64(health + 1))
        let end = node.tick(now: node.nextTickAt, summary: nil)
        #expect(!end.contains { if case .memberChanged = $0 { true } else { false } })
    }

    @Test("an ack whose sequence number matches no probe is dropped with a reason")
    func staleAck() throws {
        var node = Self.node(peers: 2)
        let probe = try #require(Self.nextProbe(&node))
        let stale = node.receive(
            .ack(sequence: probe.sequence &- 1, updates: [], summary: nil), from: probe.target,
            senderClock: Self.clock, now: probe.at, summary: nil)
        #expect(stale == [.dropped(.unexpectedAck(sequence: probe.sequence &- 1), from: probe.target)])
        // An ack with the right number from a member that was not asked does not count either.
        let other = probe.target == Self.peer(1) ? Self.peer(2) : Self.peer(1)
        let wrongSender = node.receive(
            .ack(sequence: probe.sequence, updates: [], summary: nil), from: other, senderClock: Self.clock,
            now: probe.at, summary: nil)
        #expect(wrongSender == [.dropped(.unexpectedAck(sequence: probe.sequence), from: other)])
        let nack = node.receive(
            .nack(sequence: probe.sequence), from: other, senderClock: Self.clock, now: probe.at, summary: nil
        )
        #expect(nack == [.dropped(.unexpectedNack(sequence: probe.sequence), from: other)])
    }

    @Test("a failed probe whose relays all nacked leaves local health alone (Lifeguard)")
    func nacksSpareHealth() throws {
        var node = Self.node(peers: 4)
        let probe = try #require(Self.nextProbe(&node))
        let relays = Self.sends(node.tick(now: probe.at + 300, summary: nil)).map(\.1)
        #expect(relays.count == 3)
        for relay in relays {
            #expect(
                node.receive(
                    .nack(sequence: probe.sequence), from: relay, senderClock: Self.clock,
                    now: probe.at + 700, summary: nil
                ).isEmpty)
        }
        _ = node.tick(now: probe.at + 1_000, summary: nil)
        #expect(node.localHealth == 0)
        #expect(node.member(probe.target)?.state == .suspect)
    }

    @Test("an ack relayed by a ping-request's relay counts for the probe")
    func relayedAckCounts() throws {
        var node = Self.node(peers: 4)
        let probe = try #require(Self.nextProbe(&node))
        let relay = try #require(Self.sends(node.tick(now: probe.at + 300, summary: nil)).first?.1)
        let summary = SyncSummary(digestHash: 4, stateHash: 5)
        let output = node.receive(
            .ack(sequence: probe.sequence, updates: [], summary: summary), from: relay,
            senderClock: Self.clock, now: probe.at + 400, summary: nil)
        #expect(output == [.summary(summary, from: relay)])
        _ = node.tick(now: probe.at + 1_000, summary: nil)
        #expect(node.member(probe.target)?.state == .alive)
        #expect(node.member(probe.target)?.lastHeardAt == probe.at + 400)
    }

    @Test(
        "a relay pings the target, forwards its ack with the requester's sequence number, or nacks after the relay timeout"
    )
    func relaying() throws {
        var node = Self.node(peers: 3)
        let requester = Self.peer(1)
        let target = Self.peer(2)
        let mine = SyncSummary(digestHash: 1, stateHash: 2)
        let out = node.receive(
            .pingRequest(sequence: 77, target: target, updates: []), from: requester, senderClock: Self.clock,
            now: Self.start + 10, summary: mine)
        let (ping, to) = try #require(Self.sends(out).first)
        #expect(to == target)
        guard case let .ping(relaySequence, _, pingSummary) = ping else {
            Issue.record("not a ping: \(ping)"); return
        }
        #expect(pingSummary == mine)
        let forwarded = node.receive(
            .ack(sequence: relaySequence, updates: [], summary: nil), from: target, senderClock: Self.clock,
            now: Self.start + 20, summary: mine)
        #expect(Self.sends(forwarded).map(\.1) == [requester])
        #expect(Self.sends(forwarded).first?.0.sequence == 77)
        #expect(Self.sends(forwarded).first?.0.summary == mine)
        // A second request, never answered: a nack at the relay timeout, once.
        _ = node.receive(
            .pingRequest(sequence: 78, target: target, updates: []), from: requester, senderClock: Self.clock,
            now: Self.start + 30, summary: nil)
        let due = node.tick(now: Self.start + 30 + 300, summary: nil)
        #expect(Self.sends(due).contains { $0.0 == .nack(sequence: 78) && $0.1 == requester })
        let later = node.tick(now: Self.start + 30 + 600, summary: nil)
        #expect(!Self.sends(later).contains { $0.0 == .nack(sequence: 78) })
        // Requests naming ourselves or the requester are refused.
        let selfTarget = node.receive(
            .pingRequest(sequence: 79, target: Self.me, updates: []), from: requester,
            senderClock: Self.clock, now: Self.start, summary: nil)
        #expect(selfTarget == [.dropped(.invalidPingRequest, from: requester)])
    }

    @Test("a ping is answered with an ack carrying our summary; the ping's summary comes out as a directive")
    func summaries() throws {
        var node = Self.node(peers: 1)
        let theirs = SyncSummary(digestHash: 10, stateHash: 20)
        let mine = SyncSummary(digestHash: 30, stateHash: 40)
        let out = node.receive(
            .ping(sequence: 5, updates: [], summary: theirs), from: Self.peer(1), senderClock: Self.clock,
            now: Self.start, summary: mine)
        #expect(out.first == .summary(theirs, from: Self.peer(1)))
        let (ack, to) = try #require(Self.sends(out).first)
        #expect(to == Self.peer(1))
        #expect(ack.sequence == 5)
        #expect(ack.summary == mine)
        // The tick's summary rides on the probe.
        let probe = Self.sends(node.tick(now: node.nextTickAt, summary: mine))
        #expect(probe.first?.0.summary == mine)
        // A ping without a summary yields no summary directive.
        let bare = node.receive(
            .ping(sequence: 6, updates: [], summary: nil), from: Self.peer(1), senderClock: Self.clock,
            now: Self.start, summary: nil)
        #expect(!bare.contains { if case .summary = $0 { true } else { false } })
    }

    @Test(
        "a node that hears itself suspected refutes with a higher incarnation, gossips it, and counts it against its health"
    )
    func refutation() throws {
        var node = Self.node(peers: 1)
        let mine = node.incarnation
        let accusation = MemberUpdate(
            id: Self.me, address: Self.address(100), incarnation: mine, state: .suspect)
        let out = node.receive(
            .ping(sequence: 1, updates: [accusation], summary: nil), from: Self.peer(1),
            senderClock: Self.clock, now: Self.start, summary: nil)
        #expect(node.incarnation == mine + 1)
        #expect(node.localMember.state == .alive)
        #expect(node.localHealth == 1)
        let (ack, _) = try #require(Self.sends(out).first)
        #expect(
            ack.updates.contains(
                MemberUpdate(id: Self.me, address: Self.address(100), incarnation: mine + 1, state: .alive)))
        // A stale accusation (below our incarnation) changes nothing but is answered with our state.
        let stale = MemberUpdate(id: Self.me, address: Self.address(100), incarnation: mine, state: .dead)
        _ = node.apply([stale], from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.incarnation == mine + 1)
        #expect(node.localHealth == 1)
        // An accusation from the future (an earlier run of ours refuted more) is outbid.
        let future = MemberUpdate(
            id: Self.me, address: Self.address(100), incarnation: mine + 50, state: .dead)
        _ = node.apply([future], from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.incarnation == mine + 51)
        // A claim out of its sender's reach is refused, not refuted: it cannot drive our
        // incarnation to the top, where nothing could refute the next accusation.
        let top = MemberUpdate(id: Self.me, address: Self.address(100), incarnation: .max, state: .suspect)
        let refused = node.apply([top], from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(
            refused == [
                .dropped(.incarnationOutOfReach(member: Self.me, incarnation: .max), from: Self.gossiper)
            ])
        #expect(node.incarnation == mine + 51)
        // Even a sender with a clock at the top (which the shell's clock check refuses first)
        // traps nothing.
        _ = node.apply([top], from: Self.gossiper, senderClock: .max, now: Self.start)
        #expect(node.incarnation == .max)
    }

    @Test(
        "a dead member heard alive at a higher incarnation is alive again; a stale alive does not revive it")
    func revival() {
        var node = Self.node(peers: 1)
        let other = Self.peer(1)
        _ = node.apply(
            [MemberUpdate(id: other, address: Self.address(1), incarnation: 3, state: .dead)],
            from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.member(other)?.state == .dead)
        _ = node.apply(
            [MemberUpdate(id: other, address: Self.address(1), incarnation: 3, state: .alive)],
            from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.member(other)?.state == .dead)
        let out = node.apply(
            [MemberUpdate(id: other, address: Self.address(9), incarnation: 4, state: .alive)],
            from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.member(other)?.state == .alive)
        #expect(node.member(other)?.address == Self.address(9))
        #expect(
            out.contains {
                if case let .memberChanged(member, .dead) = $0 { member.id == other } else { false }
            })
        // Dead members are kept and reported, but not probed.
        _ = node.apply(
            [MemberUpdate(id: other, address: Self.address(1), incarnation: 4, state: .dead)],
            from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(node.members.count == 2)
        for _ in 0..<5 {
            let sends = Self.sends(node.tick(now: node.nextTickAt, summary: nil))
            #expect(!sends.contains { if case .pingRequest = $0.0 { true } else { false } })
        }
    }

    /// Updates about one member: incarnations and states drawn small so they collide often.
    static var updateGen: Generator<MemberUpdate, some SendableSequenceType> {
        zip(Gen.uint64(in: 1...4), Gen.uint8(in: 0...3)).map {
            MemberUpdate(
                id: peer(1), address: address(1), incarnation: $0.0,
                state: Member.State(rawValue: $0.1) ?? .alive)
        }
    }

    @Test("the view of a member does not depend on the order its updates arrive in")
    func orderIndependence() async {
        await propertyCheck(count: 300, input: Self.updateGen.array(of: 1...8), Gen.uint64()) {
            updates, seed in
            var shuffled = updates
            var random = SplitMix64(seed: seed)
            shuffled.shuffle(using: &random)
            var first = Self.node(peers: 1)
            var second = Self.node(peers: 1)
            for update in updates {
                _ = first.apply([update], from: Self.gossiper, senderClock: Self.clock, now: Self.start)
            }
            for update in shuffled {
                _ = second.apply([update], from: Self.gossiper, senderClock: Self.clock, now: Self.start)
            }
            let a = first.member(Self.peer(1))
            let b = second.member(Self.peer(1))
            #expect(a?.incarnation == b?.incarnation)
            #expect(a?.state == b?.state)
            // And it is the greatest report under SWIM's precedence.
            let best =
                ([MemberUpdate(id: Self.peer(1), address: Self.address(1), incarnation: 1, state: .alive)]
                + updates)
                .max { ($0.incarnation, $0.state) < ($1.incarnation, $1.state) }
            #expect(a?.incarnation == best?.incarnation && a?.state == best?.state)
        }
    }

    @Test("each update is piggybacked at most λ⌈ln(N+1)⌉ times, freshest first, within the per-message bound")
    func piggybackLimits() {
        var config = MembershipConfig()
        config.backgroundUpdatesPerMessage = 0
        // Gossip inserts no member: nine known ones, each with news (a new incarnation).
        var node = Self.node(peers: 9, config: config)
        while !node.piggyback(max: 64).isEmpty {}  // drain our own "alive" and the join news
        var counts: [NodeID: Int] = [:]
        for number in 1...9 {
            let update = MemberUpdate(
                id: Self.peer(number), address: Self.address(number), incarnation: 2, state: .alive)
            // Greeting pings to the new members carry news too, and count as sends.
            for (message, _) in Self.sends(
                node.apply([update], from: Self.gossiper, senderClock: Self.clock, now: Self.start))
            {
                for update in message.updates where update.id != Self.me {
                    counts[update.id, default: 0] += 1
                }
            }
        }
        // N = 10 with us: λ × ⌈ln 11⌉ = 3 × 3 = 9 sends each, the least sent and newest first.
        let first = node.piggyback(max: 3)
        #expect(first.map(\.id) == [Self.peer(9), Self.peer(8), Self.peer(7)])
        for update in first { counts[update.id, default: 0] += 1 }
        for _ in 0..<100 {
            let batch = node.piggyback(max: 3)
            #expect(batch.count <= 3)
            for update in batch { counts[update.id, default: 0] += 1 }
        }
        #expect(counts.count == 9)
        #expect(counts.values.allSatisfy { $0 == 9 })
        #expect(node.piggyback(max: 1_000).isEmpty)
        // A SWIM message never carries more than the configured bound.
        config.maxUpdatesPerMessage = 4
        var bounded = Self.node(peers: 30, config: config)
        let probe = Self.sends(bounded.tick(now: bounded.nextTickAt, summary: nil))
        #expect(probe.allSatisfy { $0.0.updates.count <= 4 })
    }

    @Test("a dead member's return pings the other dead members at once, at most once per reconnect interval")
    func reconnectBurst() {
        var node = Self.node(peers: 4)
        let dead = (1...3).map {
            MemberUpdate(id: Self.peer($0), address: Self.address($0), incarnation: 1, state: .dead)
        }
        _ = node.apply(dead, from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect((1...3).allSatisfy { node.member(Self.peer($0))?.state == .dead })
        // Peer 1 refutes (its ack to a reconnect ping, say): the partition healed.
        let back = MemberUpdate(id: Self.peer(1), address: Self.address(1), incarnation: 2, state: .alive)
        let out = node.apply([back], from: Self.peer(1), senderClock: Self.clock, now: Self.start + 10)
        #expect(node.member(Self.peer(1))?.state == .alive)
        #expect(
            out.contains {
                if case let .memberChanged(member, .dead) = $0 { member.id == Self.peer(1) } else { false }
            })
        let pings = Self.sends(out).filter { if case .ping = $0.0 { true } else { false } }
        #expect(Set(pings.map(\.1)) == [Self.peer(2), Self.peer(3)])
        // Each carries the target's death notice first, so that it refutes.
        #expect(pings.allSatisfy { $0.0.updates.first?.id == $0.1 && $0.0.updates.first?.state == .dead })
        // Another return within the interval pings no one more.
        let second = MemberUpdate(id: Self.peer(2), address: Self.address(2), incarnation: 2, state: .alive)
        #expect(
            Self.sends(
                node.apply([second], from: Self.peer(2), senderClock: Self.clock, now: Self.start + 20)
            ).isEmpty)
        // Off: only the reconnect ticks.
        var config = MembershipConfig()
        config.maxReconnectBurst = 0
        var quiet = Self.node(peers: 4, config: config)
        _ = quiet.apply(dead, from: Self.gossiper, senderClock: Self.clock, now: Self.start)
        #expect(
            Self.sends(quiet.apply([back], from: Self.peer(1), senderClock: Self.clock, now: Self.start + 10))
                .isEmpty)
    }

    @Test("spare room in a message carries current records of random members")
    func backgroundRecords() throws {
        var node = Self.node(peers: 5)
        while !node.piggyback(max: 64).isEmpty {}
        let out = node.receive(
            .ping(sequence: 1, updates: [], summary: nil), from: Self.peer(1), senderClock: Self.clock,
            now: Self.start, summary: nil)
        let (ack, _) = try #require(Self.sends(out).first)
        #expect(MembershipConfig().backgroundUpdatesPerMessage >= 1)
        #expect(ack.updates.count == MembershipConfig().backgroundUpdatesPerMessage)
        #expect(!ack.updates.contains { $0.id == Self.peer(1) })
        #expect(ack.updates.allSatisfy { node.member($0.id)?.update == $0 })
    }

    @Test("leaving gossips left at a higher incarnation to k members, then probes nothing")
    func leaving() {
        var node = Self.node(peers: 5)
        let before = node.incarnation
        let out = node.leave(now: Self.start + 10)
        #expect(node.hasLeft)
        #expect(node.incarnation == before + 1)
        #expect(out.first == .memberChanged(node.localMember, previous: .alive))
        let sends = Self.sends(out)
        #expect(sends.count == 3)
        #expect(
            sends.allSatisfy {
                $0.0.updates.first
                    == MemberUpdate(
                        id: Self.me, address: Self.address(100), incarnation: before + 1, state: .left)
            })
        #expect(node.nextTickAt == .max)
        #expect(node.leave(now: Self.start + 20).isEmpty)
        // Still answers, with its leave first; relays nothing.
        let ack = Self.sends(
            node.receive(
                .ping(sequence: 3, updates: [], summary: nil), from: Self.peer(1), senderClock: Self.clock,
                now: Self.start + 30, summary: nil))
        #expect(ack.first?.0.updates.first?.state == .left)
        let request = node.receive(
            .pingRequest(sequence: 4, target: Self.peer(2), updates: []), from: Self.peer(1),
            senderClock: Self.clock, now: Self.start + 30, summary: nil)
        #expect(request == [.dropped(.hasLeft, from: Self.peer(1))])
    }

    @Test("the suspicion timeout is 1.5 × max(1, log10 N) × the probe interval")
    func suspicionTimeout() {
        #expect(Self.node(peers: 0).currentSuspicionTimeout == 1_500)
        #expect(Self.node(peers: 9).currentSuspicionTimeout == 1_500)
        #expect(Self.node(peers: 99).currentSuspicionTimeout == 3_000)
        #expect(Self.node(peers: 999).currentSuspicionTimeout == 4_500)
        // log10(31.62...) = 1.5: N = 32 gives 1.5 × 1.505 s.
        #expect(Self.node(peers: 31).currentSuspicionTimeout == 2_258)
    }

    @Test("a message from ourselves is dropped")
    func fromSelf() {
        var node = Self.node(peers: 1)
        #expect(
            node.receive(
                .nack(sequence: 1), from: Self.me, senderClock: Self.clock, now: Self.start, summary: nil)
                == [.dropped(.fromSelf, from: Self.me)])
    }

    /// Arbitrary messages from a small pool of senders, about a small pool of members
    /// (ourselves included), with extreme incarnations.
    static var messageGen: Generator<(SWIMMessage, Int), some SendableSequenceType> {
        let ids = Gen.int(in: 0...6)
        let update = zip(
            ids, Gen.oneOf(Gen.uint64(in: 0...3), Gen.always(UInt64.max), Gen.always(epoch.rawValue)),
            Gen.uint8(in: 0...3)
        )
        .map { value in
            MemberUpdate(
                id: value.0 == 0 ? me : peer(value.0), address: address(value.0),
                incarnation: value.1, state: Member.State(rawValue: value.2) ?? .alive)
        }
        let sequence = Gen.oneOf(Gen.uint64(in: 0...3), Gen.uint64())
        let message = zip(Gen.int(in: 0...3), sequence, update.array(of: 0...5), ids).map {
            value -> SWIMMessage in
            let target = value.3 == 0 ? me : peer(value.3)
            switch value.0 {
            case 0: return .ping(sequence: value.1, updates: value.2, summary: nil)
            case 1:
                return .ack(
                    sequence: value.1, updates: value.2, summary: SyncSummary(digestHash: 1, stateHash: 2))
            case 2: return .pingRequest(sequence: value.1, target: target, updates: value.2)
            default: return .nack(sequence: value.1)
            }
        }
        return zip(message, ids)
    }

    @Test("no sequence of messages and ticks traps or breaks the invariants")
    func robustness() async {
        await propertyCheck(
            count: 200, input: zip(Self.messageGen, Gen.uint64(in: 0...2_000)).array(of: 1...40)
        ) { steps in
            var node = Self.node(peers: 3)
            var now = Self.start
            for ((message, senderNumber), advance) in steps {
                now += advance
                let sender = senderNumber == 0 ? Self.me : Self.peer(senderNumber)
                _ = node.receive(message, from: sender, senderClock: Self.clock, now: now, summary: nil)
                if node.nextTickAt <= now { _ = node.tick(now: now, summary: nil) }
                #expect(node.nextTickAt > now)
                let ids = node.members.map(\.id)
                #expect(ids == ids.sorted() && Set(ids).count == ids.count)
                #expect(node.localMember.state == .alive)
                #expect((0...8).contains(node.localHealth))
            }
        }
    }

    @Test("an address keeps its bytes, and only 4 or 16 host bytes make one")
    func addresses() {
        let v4 = MemberAddress(hostBytes: [192, 168, 1, 20], gossipPort: 7377, clientPort: 7379)
        #expect(v4?.host == .ipv4(0xC0A8_0114))
        #expect(v4?.hostBytes == [192, 168, 1, 20])
        #expect(v4?.description == "192.168.1.20:7377")
        let bytes: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]
        let v6 = MemberAddress(hostBytes: bytes, gossipPort: 1, clientPort: 2)
        #expect(v6?.hostBytes == bytes)
        #expect(v6?.description == "[fe80:0:0:0:0:0:0:1]:1")
        #expect(MemberAddress(hostBytes: [1, 2, 3, 4, 5], gossipPort: 1, clientPort: 2) == nil)
        #expect(MemberAddress(hostBytes: [], gossipPort: 1, clientPort: 2) == nil)
    }
}
