import GossipKVCore
import Testing

/// Membership updates are claims: none evicts or redirects a member for good, none makes a node
/// track members without limit, and no member stays dead to another once they can exchange
/// datagrams.
@Suite("membership claims are bounded, and the dead come back")
struct MembershipBoundsTests {
    typealias H = MembershipHarness
    static let second: UInt64 = 1_000

    static func pings(_ directives: [MembershipDirective]) -> [(SWIMMessage, NodeID)] {
        directives.compactMap { directive in
            guard case let .send(message, to) = directive, case .ping = message else { return nil }
            return (message, to)
        }
    }

    static func outOfReach(_ directives: [MembershipDirective]) -> Int {
        directives.filter { if case .dropped(.incarnationOutOfReach, _) = $0 { true } else { false } }.count
    }

    /// A settled cluster of `count` nodes.
    static func settled(_ count: Int, seed: UInt64, config: MembershipConfig = MembershipConfig()) -> H {
        var harness = H(count: count, config: config, seed: seed)
        harness.connectAll()
        harness.run(for: 5 * second)
        return harness
    }

    @Test(
        "a dead@UInt64.max update aimed at a live node is refused and counted; it stays alive in every view")
    func deadAtMaxRefused() throws {
        var harness = Self.settled(5, seed: 31)
        #expect(harness.allAlive)
        let victim = H.id(3)
        let liar = H.id(2)
        let address = try #require(harness.view(of: H.id(1), about: victim)?.address)
        let before = try #require(harness.nodes[victim]?.incarnation)
        let forged = MemberUpdate(id: victim, address: address, incarnation: .max, state: .dead)
        var refused = 0
        // The admitted liar tells every node, the victim included, on pings with a sane clock.
        for id in harness.ids where id != liar {
            harness.act(id) { node, now in
                let output = node.receive(
                    .ping(sequence: 1, updates: [forged], summary: nil), from: liar,
                    senderClock: HLCTimestamp(physical: now), now: now, summary: nil)
                refused += Self.outOfReach(output)
                return output
            }
        }
        #expect(refused == 4)
        harness.run(for: 10 * Self.second)
        #expect(harness.everyoneSees(victim, as: .alive))
        #expect(!harness.changes(about: victim).contains { $0.member.state == .dead })
        // The victim did not refute its way to the top of the incarnations.
        let after = try #require(harness.nodes[victim]?.incarnation)
        #expect(after == before)
        #expect(harness.violations.isEmpty)
    }

    @Test("an alive@max update redirecting a member elsewhere is refused")
    func aliveAtMaxRefused() throws {
        var node = Membership(
            localID: H.id(1), localAddress: H.address(1), bootEpoch: HLCTimestamp(physical: H.start), seed: 1,
            now: H.start)
        let epoch = HLCTimestamp(physical: H.start).rawValue
        _ = node.addMember(H.id(2), address: H.address(2), incarnation: epoch, now: H.start)
        _ = node.addMember(H.id(3), address: H.address(3), incarnation: epoch, now: H.start)
        let elsewhere = MemberAddress(host: .ipv4(0x0A0A_0A0A), gossipPort: 1, clientPort: 2)
        let redirect = MemberUpdate(id: H.id(3), address: elsewhere, incarnation: .max, state: .alive)
        let clock = HLCTimestamp(physical: H.start + 10)
        let output = node.apply([redirect], from: H.id(2), senderClock: clock, now: H.start + 10)
        #expect(
            output == [.dropped(.incarnationOutOfReach(member: H.id(3), incarnation: .max), from: H.id(2))])
        #expect(node.member(H.id(3))?.address == H.address(3))
        #expect(node.member(H.id(3))?.incarnation == epoch)
        // Just out of reach: the sender's clock plus the max offset plus the allowance, plus one.
        let config = node.config
        let reach = clock.rawValue + (config.maxClockOffsetMilliseconds << 16) + config.refutationAllowance
        let justBeyond = MemberUpdate(id: H.id(3), address: elsewhere, incarnation: reach + 1, state: .alive)
        #expect(
            Self.outOfReach(node.apply([justBeyond], from: H.id(2), senderClock: clock, now: H.start + 10))
                == 1)
        // Within reach, a new incarnation (a restart, a refutation) moves the member as before.
        let within = MemberUpdate(id: H.id(3), address: elsewhere, incarnation: reach, state: .alive)
        #expect(
            Self.outOfReach(node.apply([within], from: H.id(2), senderClock: clock, now: H.start + 10)) == 0)
        #expect(node.member(H.id(3))?.address == elsewhere)
    }

    @Test("a flood of 10,000 invented members inserts none, and asks for a bounded number of introductions")
    func inventedMembersNotInserted() {
        var node = Membership(
            localID: H.id(1), localAddress: H.address(1), bootEpoch: HLCTimestamp(physical: H.start), seed: 2,
            now: H.start)
        let epoch = HLCTimestamp(physical: H.start).rawValue
        _ = node.addMember(H.id(2), address: H.address(2), incarnation: epoch, now: H.start)
        var introductions = 0
        var refused = 0
        var sends = 0
        var now = H.start
        for batch in 0..<(10_000 / MemberUpdate.maxPerMessage + 1) {
            let updates = (0..<MemberUpdate.maxPerMessage).map { index in
                let number = UInt64(batch * MemberUpdate.maxPerMessage + index)
                return MemberUpdate(
                    id: NodeID(high: 0xBAD, low: number), address: H.address(Int(number % 1_000)),
                    incarnation: epoch, state: number % 2 == 0 ? .alive : .suspect)
            }
            now += 1
            let output = node.receive(
                .ping(sequence: UInt64(batch), updates: updates, summary: nil), from: H.id(2),
                senderClock: HLCTimestamp(physical: now), now: now, summary: nil)
            for directive in output {
                switch directive {
                case .introduce: introductions += 1
                case .dropped(.tooManyStrangers, _): refused += 1
                case .send: sends += 1
                default: break
                }
            }
        }
        #expect(node.members.count == 2)
        #expect(introductions == node.config.maxPendingStrangers)
        #expect(refused + introductions >= 10_000)
        // One ack per ping, and no greeting to any invented member.
        #expect(sends == 10_000 / MemberUpdate.maxPerMessage + 1)
        // The same stranger is not introduced again before the retry time.
        let first = MemberUpdate(
            id: NodeID(high: 0xBAD, low: 0), address: H.address(0), incarnation: epoch, state: .alive)
        let again = node.apply([first], from: H.id(2), senderClock: HLCTimestamp(physical: now), now: now + 1)
        #expect(again.isEmpty)
        // Its own announcement admits it.
        #expect(node.addMember(first.id, address: first.address, incarnation: epoch, now: now + 2) == .added)
        #expect(node.members.count == 3)
    }

    @Test("a dead member that pings us is asked to refute, and its refutation brings it back")
    func deadMemberThatPingsComesBack() throws {
        let config = MembershipConfig()
        var node = Membership(
            localID: H.id(1), localAddress: H.address(1), bootEpoch: HLCTimestamp(physical: H.start),
            config: config, seed: 3,
            now: H.start)
        let epoch = HLCTimestamp(physical: H.start).rawValue
        let returning = H.id(2)
        _ = node.addMember(returning, address: H.address(2), incarnation: epoch, now: H.start)
        let death = MemberUpdate(id: returning, address: H.address(2), incarnation: epoch, state: .dead)
        _ = node.apply([death], from: H.id(3), senderClock: HLCTimestamp(physical: H.start), now: H.start)
        #expect(node.member(returning)?.state == .dead)
        let now = H.start + 5_000
        let clock = HLCTimestamp(physical: now)
        let output = node.receive(
            .ping(sequence: 7, updates: [], summary: nil), from: returning, senderClock: clock, now: now,
            summary: nil)
        // The ack and a ping of our own, both with its death notice first.
        let sent = output.compactMap { if case let .send(message, to) = $0 { (message, to) } else { nil } }
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.1 == returning && $0.0.updates.first == death })
        let (ping, _) = try #require(Self.pings(output).first)
        // A second message within the probe interval does not ping again.
        let again = node.receive(
            .nack(sequence: 1), from: returning, senderClock: clock, now: now + 10, summary: nil)
        #expect(Self.pings(again).isEmpty)
        // Its ack carries the refutation: it is alive again, and news of it spreads.
        let refutation = MemberUpdate(
            id: returning, address: H.address(2), incarnation: epoch + 1, state: .alive)
        let back = node.receive(
            .ack(sequence: ping.sequence, updates: [refutation], summary: nil), from: returning,
            senderClock: clock,
            now: now + 20, summary: nil)
        #expect(
            back.contains {
                if case let .memberChanged(member, .dead) = $0 {
                    member.id == returning && member.incarnation == epoch + 1
                } else {
                    false
                }
            })
        #expect(node.member(returning)?.state == .alive)
    }

    @Test("a node paused until everyone declared it dead refutes on resume, without reconnect pings")
    func pausedNodeRefutesOnResume() {
        var config = MembershipConfig()
        config.reconnectIntervalMilliseconds = nil
        var harness = Self.settled(5, seed: 41, config: config)
        let paused = H.id(4)
        harness.stop(paused)
        #expect(harness.run(for: 30 * Self.second) { $0.everyoneSees(paused, as: .dead) } != nil)
        harness.run(for: 5 * Self.second)
        harness.resume(paused)
        let back = harness.run(for: 10 * Self.second) { $0.allAlive }
        #expect(back != nil, "the resumed node was not seen alive again")
        #expect(harness.violations.isEmpty)
    }

    @Test(
        "five nodes cut apart until each declared every other dead see each other alive within seconds of the heal"
    )
    func singletonsHeal() {
        var harness = Self.settled(5, seed: 43)
        for a in harness.ids {
            for b in harness.ids where a < b { harness.cut(a, b) }
        }
        let allDead = harness.run(for: 60 * Self.second) { h in
            h.ids.allSatisfy { observer in
                h.ids.allSatisfy { $0 == observer || h.view(of: observer, about: $0)?.state == .dead }
            }
        }
        #expect(allDead != nil)
        harness.run(for: 10 * Self.second)
        harness.blocked.removeAll()
        let healedAt = harness.now
        let back = harness.run(for: 20 * Self.second) { $0.allAlive }
        #expect(
            back.map { $0 - healedAt <= 5 * Self.second } == true,
            "took \(back.map { "\($0 - healedAt) ms" } ?? "forever")")
        #expect(harness.violations.isEmpty)
    }

    @Test("gossip about an unknown member asks once for an introduction, which admits it")
    func strangersAreIntroduced() {
        var harness = H(count: 3, seed: 45)
        // Node 1 knows 2 and 3; 2 and 3 do not know each other.
        harness.addMember(H.id(2), to: H.id(1))
        harness.addMember(H.id(3), to: H.id(1))
        harness.addMember(H.id(1), to: H.id(2))
        harness.addMember(H.id(1), to: H.id(3))
        let joined = harness.run(for: 10 * Self.second) { $0.allAlive }
        #expect(joined != nil)
        #expect(harness.introductions > 0)
        // No member ever appeared by gossip alone: 2 and 3 admitted each other by introduction.
        #expect(harness.nodes[H.id(2)]?.members.count == 3)
    }
}
