import GossipKVCore

/// SWIM in every simulated node, composed with the engine exactly as `GossipKVNode` composes
/// them, so that the simulator tests the production composition rather than a copy:
///
/// - the engine's peers are the active members of the view (`.memberChanged`, and discovery's
///   `.added`/`.renewed`, which come with no directive);
/// - membership ticks and received SWIM messages carry the engine's current summary, and
///   `.summary` directives go to the engine as `.syncSummary` with the envelope's HLC;
/// - the engine's idle round is off (`SimulationOptions.engineConfig`): after a heal, only
///   summaries on probes and acks find the replicas that differ;
/// - discovery is modelled simply: at start each node admits every other (as static seeds or
///   multicast would), and a restarted node does so again after a short delay, each at its
///   current boot epoch. Nobody else is told of a restart: SWIM must spread it, the restarted
///   node's new incarnation (its new boot epoch) refuting its old death. Gossip never inserts a
///   member; an `.introduce` is modelled as the announcement exchange it starts (`introduce`);
/// - SWIM messages pass the engine's clock check before the membership sees them, and every
///   other message from a member held dead goes to `heardFrom`, as in the node;
/// - a member that becomes active again gets a round at once, as in the node.
extension Simulation {
    // MARK: Lifecycle

    /// Gives every node its membership and schedules discovery at the start of the run.
    mutating func startMembership() {
        var seeds = random.derived()
        for node in nodes.indices {
            nodes[node].membership = makeMembership(node, seed: seeds.next(), now: start)
            schedule(.rediscover(node: node, generation: nodes[node].generation), at: start)
            _ = rescheduleTick(node)
        }
    }

    /// A fresh state machine for this life of `node`: its incarnation starts at the boot epoch.
    func makeMembership(_ node: Int, seed: UInt64, now: UInt64) -> Membership {
        var config = options.membershipConfig
        config.maxClockOffsetMilliseconds = options.maxClockOffsetMilliseconds
        return Membership(
            localID: nodes[node].id, localAddress: nodes[node].address, bootEpoch: nodes[node].bootEpoch,
            config: config, seed: seed, now: nodes[node].physical(at: now, start: start))
    }

    /// Discovery admits every other node at its current boot epoch, as `Node+Discovery` admits
    /// an announcement: a new or renewed member becomes an engine peer and gets a round at once.
    mutating func discoverEveryone(_ node: Int) -> String? {
        for other in nodes.indices where other != node {
            if let problem = admit(other, by: node) { return problem }
        }
        return nil
    }

    /// `observer` handles `member`'s announcement as `Node.handleAnnouncement` does: a new or
    /// renewed member becomes an engine peer and gets a round at once; a member held dead is
    /// asked to refute (`heardFrom`).
    mutating func admit(_ member: Int, by observer: Int) -> String? {
        let physical = physical(of: observer)
        let (id, address, epoch) = (nodes[member].id, nodes[member].address, nodes[member].bootEpoch)
        // Optional chaining mutates the stored state machine in place (a copy would be copied
        // again on write).
        guard
            let result = nodes[observer].membership?.addMember(
                id, address: address, incarnation: epoch.rawValue, now: physical)
        else { return nil }
        switch result {
        case .added, .renewed:
            nodes[observer].engine.addPeer(id)
            let directives = nodes[observer].engine.startRound(with: id, now: physical)
            return carryOut(directives, node: observer)
        case .alreadyKnown, .newerIncarnationKnown:
            let summary = nodes[observer].engine.summary
            guard let directives = nodes[observer].membership?.heardFrom(id, now: physical, summary: summary)
            else { return nil }
            return carryOut(directives, node: observer, hlc: nodes[observer].engine.replica.readTime(physical: physical))
        case .isSelf, .excluded:
            return nil
        }
    }

    /// `node` introduces itself to `other`, a member gossip named that it does not know: its
    /// announcement (asking for one back) and the answer, modelled at once, each only if the
    /// network lets it through at the moment (no loss: announcements are retried).
    mutating func introduce(_ node: Int, to other: Int) -> String? {
        guard node != other, nodes[other].isUp, network.allows(from: node, to: other) else { return nil }
        if let problem = admit(node, by: other) { return problem }
        guard network.allows(from: other, to: node) else { return nil }
        return admit(other, by: node)
    }

    // MARK: Inputs

    /// A SWIM message: the membership answers with the engine's summary on its ack, and the
    /// sender's summary (if any) goes to the engine with the envelope's HLC.
    mutating func receiveMembership(_ frame: AuthenticatedFrame, at node: Int) -> String? {
        let header = frame.header
        let physical = physical(of: node)
        guard let message = try? SWIMMessage.decodeBody(kind: header.kind, frame.body) else {
            nodes[node].rejections["invalid_body", default: 0] += 1
            return nil
        }
        // The engine's clock check, as in `Node.dispatch`.
        guard nodes[node].engine.observeClock(header.hlc, from: header.sender, now: physical) else {
            nodes[node].rejections[GossipRejection.messageClockTooFarAhead.label, default: 0] += 1
            return nil
        }
        let summary = nodes[node].engine.summary
        guard
            let directives = nodes[node].membership?.receive(
                message, from: header.sender, senderClock: header.hlc, now: physical, summary: summary)
        else { return nil }
        return carryOut(directives, node: node, hlc: header.hlc)
    }

    /// The membership's timers, after the engine's, with the engine's current summary. A tick
    /// MUST move the membership's next deadline past now; one that does not would tick forever.
    mutating func tickMembership(_ node: Int, now physical: UInt64) -> String? {
        let summary = nodes[node].engine.summary
        guard let directives = nodes[node].membership?.tick(now: physical, summary: summary),
            let next = nodes[node].membership?.nextTickAt
        else { return nil }
        if next <= physical {
            return "node \(node)'s membership asks for a tick at \(next) after ticking at \(physical)"
        }
        let hlc = nodes[node].engine.replica.readTime(physical: physical)
        return carryOut(directives, node: node, hlc: hlc)
    }

    /// Carries out membership directives as `Node.carryOut(_:hlc:)` does; `hlc` is the clock of
    /// the message that caused them, for the summaries handed to the engine.
    mutating func carryOut(_ directives: [MembershipDirective], node: Int, hlc: HLCTimestamp) -> String? {
        for directive in directives {
            switch directive {
            case let .send(message, to: peer):
                guard let target = indexByID[peer] else { continue }
                let body: [UInt8]
                do {
                    body = try message.encodedBody()
                } catch {
                    return "the membership produced a message the codec refused: \(error)"
                }
                if let problem = sendSealed(kind: message.kind, body: body, from: node, to: target) {
                    return problem
                }
            case let .memberChanged(member, previous):
                trace(5, node, indexByID[member.id] ?? nodes.count, UInt64(member.state.rawValue))
                if member.state.isActive {
                    nodes[node].engine.addPeer(member.id)
                    if !(previous?.isActive ?? false) {
                        let directives = nodes[node].engine.startRound(with: member.id, now: physical(of: node))
                        if let problem = carryOut(directives, node: node) { return problem }
                    }
                } else {
                    nodes[node].engine.removePeer(member.id)
                }
            case let .summary(summary, from: peer):
                let directives = nodes[node].engine.receive(
                    .syncSummary(summary), from: peer, senderClock: hlc, now: physical(of: node))
                if let problem = carryOut(directives, node: node) { return problem }
            case let .dropped(reason, _):
                nodes[node].rejections["membership_\(reason.label)", default: 0] += 1
            case let .introduce(stranger, _):
                guard let other = indexByID[stranger] else { continue }
                if let problem = introduce(node, to: other) { return problem }
            }
        }
        return nil
    }

    // MARK: Checks

    /// The composition invariant: a node's engine gossips with exactly the active members of
    /// its view, itself excluded.
    func peersMismatch() -> String? {
        for (index, node) in nodes.enumerated() where node.isUp && node.isHonest {
            guard let membership = node.membership else { continue }
            let active = membership.members.filter { $0.state.isActive && $0.id != node.id }.map(\.id)
            if node.engine.peers != active {
                return
                    "node \(index)'s engine peers \(node.engine.peers) differ from its active members \(active)"
            }
        }
        return nil
    }

    /// Nil once every node is up and every honest node sees every other honest node alive, and
    /// the engines' peers follow the views: what SWIM must reach after the faults heal and
    /// crashed nodes restart. (What liars see, or how they are seen, is not checked.)
    func membershipSettleProblem() -> String? {
        guard options.membership else { return nil }
        for (index, node) in nodes.enumerated() {
            guard node.isUp, let membership = node.membership else { return "node \(index) is down" }
            guard node.isHonest else { continue }
            for (other, peer) in nodes.enumerated() where other != index && peer.isHonest {
                let state = membership.member(peer.id)?.state
                if state != .alive {
                    return "node \(index) sees node \(other) as \(state.map { "\($0)" } ?? "unknown")"
                }
            }
        }
        return peersMismatch()
    }

    /// Checked when `node` restarts: if it was down longer than the options' bound, every node
    /// that has been up since before the crash must see it dead.
    func deathDetectionProblem(restarting node: Int) -> String? {
        guard let bound = options.deathDetectionBoundMilliseconds, let crashedAt = nodes[node].crashedAt,
            now - crashedAt > bound
        else { return nil }
        for (index, observer) in nodes.enumerated()
        where index != node && observer.isUp && observer.upSince <= crashedAt {
            let state = observer.membership?.member(nodes[node].id)?.state
            if state != .dead {
                return "node \(node) was down \(now - crashedAt) ms (bound \(bound) ms), yet node \(index) "
                    + "sees it as \(state.map { "\($0)" } ?? "unknown") when it restarts"
            }
        }
        return nil
    }

    /// What `observer` believes about `member`'s state; nil if it does not know it, or runs no
    /// membership.
    public func membershipState(of member: Int, seenBy observer: Int) -> Member.State? {
        nodes[observer].membership?.member(nodes[member].id)?.state
    }
}

extension Simulation {
    /// Whether every node is up and every replica holds the checker's expected map (what `run`
    /// waits for after the fault phase), for tests that step the run themselves.
    public var replicasConverged: Bool { isConverged() }
}
