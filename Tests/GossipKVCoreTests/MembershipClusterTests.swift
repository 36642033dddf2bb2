import GossipKVCore
import PropertyBased
import Testing

/// SWIM end to end: several `Membership` state machines wired by `MembershipHarness`.
@Suite("membership in a simulated cluster")
struct MembershipClusterTests {
    typealias H = MembershipHarness
    static let second: UInt64 = 1_000

    @Test("nodes that know only a seed all come to see each other alive")
    func joinThroughSeed() {
        var harness = H(count: 10, seed: 7)
        let seed = H.id(1)
        // Discovery admitted the seed everywhere; the seed itself knows nobody yet.
        for id in harness.ids where id != seed { harness.addMember(seed, to: id) }
        let converged = harness.run(for: 30 * Self.second) { $0.allAlive }
        #expect(converged != nil, "views never converged")
        #expect(harness.runningIDs.allSatisfy { harness.nodes[$0]?.members.count == 10 })
        #expect(harness.violations.isEmpty)
    }

    @Test("a node that stops answering is suspected, then declared dead by every other node in time")
    func crashDetected() throws {
        var harness = H(count: 8, seed: 11)
        harness.connectAll()
        harness.run(for: 10 * Self.second)
        #expect(harness.allAlive)
        let victim = H.id(5)
        let suspicionTimeout = try #require(harness.nodes[H.id(1)]?.currentSuspicionTimeout)
        let stoppedAt = harness.now
        harness.stop(victim)
        // First detection within two round-robin passes at worst, usually one interval; then the
        // suspicion timeout; a few intervals of slack for gossip.
        let bound = 4 * Self.second + suspicionTimeout + 2 * Self.second
        let deadAt = harness.run(for: bound) { $0.everyoneSees(victim, as: .dead) }
        #expect(deadAt != nil, "not everyone declared \(victim) dead within \(bound) ms")
        let changes = harness.changes(about: victim)
        let firstSuspicion = changes.first { $0.member.state == .suspect }
        let firstDeath = changes.first { $0.member.state == .dead }
        #expect(firstSuspicion != nil)
        if let firstSuspicion, let firstDeath {
            #expect(firstSuspicion.time < firstDeath.time)
            #expect(firstDeath.time - firstSuspicion.time >= suspicionTimeout)
            #expect(firstSuspicion.time - stoppedAt <= 4 * Self.second)
        }
        // Nobody else was hurt.
        for other in harness.runningIDs {
            #expect(harness.runningIDs.allSatisfy { harness.view(of: $0, about: other)?.state == .alive })
        }
        #expect(harness.violations.isEmpty)
    }

    @Test("no false positive in ten minutes of 1% loss among ten nodes, thanks to indirect probes")
    func noFalsePositives() {
        var harness = H(count: 10, seed: 2024)
        harness.lossPerMillion = 10_000
        harness.connectAll()
        harness.run(for: 600 * Self.second)
        let deaths = harness.log.filter {
            if case let .memberChanged(member, _) = $0.directive { return member.state == .dead }
            return false
        }
        #expect(deaths.isEmpty, "false deaths: \(deaths.count)")
        #expect(harness.allAlive)
        #expect(harness.lost > 0)
        // Lost pings and acks were covered by ping-requests.
        #expect(
            harness.sends.contains { if case .pingRequest = $0.message { return true } else { return false } }
        )
        #expect(harness.violations.isEmpty)
    }

    @Test("a suspected node hears of it and refutes with a higher incarnation")
    func suspicionRefuted() throws {
        var harness = H(count: 6, seed: 5)
        harness.connectAll()
        harness.run(for: 5 * Self.second)
        let accused = H.id(4)
        let before = try #require(harness.nodes[accused]?.incarnation)
        let record = try #require(harness.view(of: H.id(1), about: accused))
        // Node 1 suspects node 4 (as if a probe had failed) and gossips it.
        harness.act(H.id(1)) { node, now in
            node.apply(
                [MemberUpdate(id: accused, address: record.address, incarnation: before, state: .suspect)],
                from: H.id(2), senderClock: HLCTimestamp(physical: now), now: now)
        }
        #expect(harness.view(of: H.id(1), about: accused)?.state == .suspect)
        harness.run(for: 20 * Self.second)
        let after = try #require(harness.nodes[accused]?.incarnation)
        #expect(after > before)
        #expect(harness.everyoneSees(accused, as: .alive))
        #expect(harness.runningIDs.allSatisfy { harness.view(of: $0, about: accused)?.incarnation == after })
        #expect(!harness.changes(about: accused).contains { $0.member.state == .dead })
    }

    @Test("a node paused past a probe is suspected, refutes once it resumes, and is never declared dead")
    func pauseRefuted() async {
        await propertyCheck(count: 25, input: Gen.int(in: 3...16), Gen.uint64()) { size, seed in
            var harness = H(count: size, seed: seed)
            harness.connectAll()
            harness.run(for: 5 * Self.second)
            let paused = H.id(2)
            let before = harness.nodes[paused]?.incarnation ?? 0
            // A stall (a GC pause, a swapped-out process) until the first suspicion.
            harness.stop(paused)
            let suspected = harness.run(for: 20 * Self.second, step: 1) { h in
                h.runningIDs.contains { h.view(of: $0, about: paused)?.state == .suspect }
            }
            #expect(suspected != nil)
            harness.resume(paused)
            harness.run(for: 15 * Self.second)
            let after = harness.nodes[paused]?.incarnation ?? 0
            #expect(after > before)
            #expect(harness.everyoneSees(paused, as: .alive))
            #expect(
                !harness.changes(about: paused).contains { $0.member.state == .dead },
                "N=\(size): declared dead before its refutation arrived")
        }
    }

    @Test("a restarted node, with a new boot epoch, refutes its own death")
    func restartRefutesDeath() throws {
        var harness = H(count: 6, seed: 9)
        harness.connectAll()
        harness.run(for: 5 * Self.second)
        let victim = H.id(3)
        harness.stop(victim)
        #expect(harness.run(for: 20 * Self.second) { $0.everyoneSees(victim, as: .dead) } != nil)
        let oldIncarnation = try #require(harness.view(of: H.id(1), about: victim)?.incarnation)
        harness.run(for: 5 * Self.second)
        harness.boot(3)
        let newEpoch = try #require(harness.nodes[victim]?.incarnation)
        #expect(newEpoch > oldIncarnation)
        // Discovery gives the new run one seed; the seed does not admit it (it still thinks it
        // dead): the new run's own pings must carry the news.
        harness.addMember(H.id(1), to: victim)
        let revived = harness.run(for: 20 * Self.second) { $0.allAlive }
        #expect(revived != nil)
        #expect(
            harness.runningIDs.allSatisfy {
                (harness.view(of: $0, about: victim)?.incarnation ?? 0) >= newEpoch
            })
        #expect(harness.nodes[victim]?.members.count == 6)
        #expect(harness.violations.isEmpty)
    }

    @Test("a graceful leave is seen as left, not dead, by every node, and the leaver is no longer probed")
    func gracefulLeave() {
        var harness = H(count: 6, seed: 13)
        harness.connectAll()
        harness.run(for: 5 * Self.second)
        let leaver = H.id(2)
        harness.act(leaver) { node, now in node.leave(now: now) }
        #expect(harness.nodes[leaver]?.hasLeft == true)
        harness.run(for: 3 * Self.second)
        harness.stop(leaver)
        harness.run(for: 10 * Self.second)
        #expect(harness.everyoneSees(leaver, as: .left))
        #expect(
            !harness.changes(about: leaver).contains {
                $0.member.state == .dead || $0.member.state == .suspect
            })
        let lastPings = harness.sends.filter {
            if case .ping = $0.message { return $0.to == leaver && $0.time > harness.now - 5 * Self.second }
            return false
        }
        #expect(lastPings.isEmpty)
    }

    @Test("an update spreads to every node in O(log N) probe rounds")
    func epidemicSpread() async {
        await propertyCheck(count: 12, input: Gen.int(in: 4...64), Gen.uint64()) { size, seed in
            // No reconnect pings to the dead ghost below: they would spend transmissions of the
            // news on a member that never hears them.
            var config = MembershipConfig()
            config.reconnectIntervalMilliseconds = nil
            var harness = H(count: size, config: config, seed: seed)
            harness.connectAll()
            // A member nobody runs, known to everyone as dead: only gossip can tell the others
            // that it left (reconnect pings to it go nowhere, and background records carry only
            // active members), so this measures piggybacked dissemination alone. (Gossip about
            // an unknown member no longer inserts it, so the news is about a known one.)
            let ghost = NodeID(high: 999, low: 1)
            let address = H.address(999)
            for id in harness.ids {
                harness.act(id) { node, now in
                    _ = node.addMember(ghost, address: address, incarnation: 1, now: now)
                    let death = MemberUpdate(id: ghost, address: address, incarnation: 1, state: .dead)
                    return node.apply(
                        [death], from: H.id(1), senderClock: HLCTimestamp(physical: now), now: now)
                }
            }
            // Let the join news die out, so that only the update under test is spreading.
            harness.run(for: 10 * Self.second)
            harness.act(H.id(1)) { node, now in
                node.apply(
                    [MemberUpdate(id: ghost, address: address, incarnation: 2, state: .left)],
                    from: H.id(2), senderClock: HLCTimestamp(physical: now), now: now)
            }
            let start = harness.now
            let spread = harness.run(for: 60 * Self.second, step: 50) { h in
                h.runningIDs.allSatisfy { h.view(of: $0, about: ghost)?.state == .left }
            }
            // SWIM section 4.1: infection reaches everyone in O(log N) periods. Measured mean is
            // about log2 N periods; allow three times that, plus three.
            var log2 = 0
            while (1 << log2) < size { log2 += 1 }
            let bound = UInt64(3 * log2 + 3) * Self.second
            let elapsed = spread.map { $0 - start }
            #expect(
                elapsed.map { $0 <= bound } == true,
                "N=\(size): took \(elapsed.map(String.init) ?? "forever") ms, bound \(bound)")
        }
    }

    @Test(
        "a newcomer admitted by one seed learns every member, and every member learns it, within a few rounds"
    )
    func newcomerJoins() {
        var harness = H(count: 33, seed: 17)
        let newcomer = H.id(33)
        harness.stop(newcomer)
        harness.connectAll()
        harness.run(for: 10 * Self.second)
        harness.boot(33)
        harness.addMember(H.id(1), to: newcomer)
        harness.addMember(newcomer, to: H.id(1))
        let bootedAt = harness.now
        // News of the newcomer spreads by gossip; each member that hears it greets the newcomer
        // with its own record, so the newcomer's view fills as fast as the news spreads, not one
        // member per round-robin visit (which would take about N periods).
        let joined = harness.run(for: 30 * Self.second) { $0.allAlive }
        let elapsed = joined.map { $0 - bootedAt }
        #expect(
            elapsed.map { $0 <= 8 * Self.second } == true, "took \(elapsed.map(String.init) ?? "forever") ms")
        #expect(harness.nodes[newcomer]?.members.count == 33)
    }

    @Test("an indirect probe reaches a target whose direct link is down")
    func indirectPath() throws {
        var harness = H(count: 5, seed: 21)
        harness.connectAll()
        let prober = H.id(1)
        let target = H.id(3)
        harness.cut(prober, target)
        harness.run(for: 60 * Self.second)
        #expect(harness.view(of: prober, about: target)?.state == .alive)
        #expect(!harness.changes(about: target).contains { $0.member.state != .alive })
        let requests = harness.sends.filter {
            if case let .pingRequest(_, requested, _) = $0.message {
                return $0.from == prober && requested == target
            }
            return false
        }
        #expect(!requests.isEmpty)
        // Relays forwarded the target's acks: each ping-request's sequence came back as an ack
        // from a relay.
        let relayedAcks = harness.sends.filter {
            if case let .ack(sequence, _, _) = $0.message {
                return $0.to == prober && $0.from != target
                    && requests.contains { $0.message.sequence == sequence }
            }
            return false
        }
        #expect(relayedAcks.count >= requests.count / 3)
        #expect(harness.nodes[prober]?.localHealth == 0)
    }

    @Test("summaries ride on pings and acks and come out as directives")
    func summariesRide() {
        var harness = H(count: 3, seed: 4)
        let one = SyncSummary(digestHash: 1, stateHash: 11)
        let two = SyncSummary(digestHash: 2, stateHash: 22)
        harness.summaries = [H.id(1): one, H.id(2): two]
        harness.connectAll()
        harness.run(for: 5 * Self.second)
        let received = harness.log.compactMap { event -> (NodeID, SyncSummary, NodeID)? in
            guard case let .summary(summary, from) = event.directive else { return nil }
            return (event.node, summary, from)
        }
        #expect(received.contains { $0.0 == H.id(2) && $0.1 == one && $0.2 == H.id(1) })
        #expect(received.contains { $0.0 == H.id(1) && $0.1 == two && $0.2 == H.id(2) })
        // Node 3 passes none, so nothing is reported as from node 3.
        #expect(!received.contains { $0.2 == H.id(3) })
        let pingsAndAcks = harness.sends.filter { $0.from == H.id(1) && $0.message.summary != nil }
        #expect(pingsAndAcks.allSatisfy { $0.message.summary == one })
    }

    @Test("the same seed gives the same directives; another seed does not")
    func determinism() {
        func run(seed: UInt64) -> [H.Event] {
            var harness = H(count: 7, seed: seed)
            harness.lossPerMillion = 50_000
            harness.connectAll()
            harness.run(for: 10 * Self.second)
            harness.stop(H.id(6))
            harness.run(for: 10 * Self.second)
            return harness.log
        }
        let first = run(seed: 99)
        #expect(first == run(seed: 99))
        #expect(first != run(seed: 100))
    }
}
