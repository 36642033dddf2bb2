import GossipKVCore

/// SWIM in every simulated node, composed with the engine by the node's own `NodeCore`
/// (`Sources/GossipKVCore/Node/NodeCore.swift`), so that the simulator tests the production
/// composition rather than a copy. What stays here is the simulator's model of the world:
///
/// - the engine's idle round is off (`SimulationOptions.engineConfig`): after a heal, only
///   summaries on probes and acks find the replicas that differ;
/// - discovery is modelled simply: at start each node admits every other (as static seeds or
///   multicast would), and a restarted node does so again after a short delay, each at its
///   current boot epoch (`NodeCore.admit`, as `Node+Discovery` admits a valid announcement).
///   Nobody else is told of a restart: SWIM must spread it, the restarted node's new
///   incarnation (its new boot epoch) refuting its old death. Gossip never inserts a member; an
///   `.introduce` is modelled as the announcement exchange it starts (`introduce`).
extension Simulation {
    // MARK: Lifecycle

    /// Gives every node its membership and schedules discovery at the start of the run.
    mutating func startMembership() {
        var seeds = random.derived()
        for node in nodes.indices {
            let membership = makeMembership(node, seed: seeds.next(), now: start)
            nodes[node].core = NodeCore(
                engine: nodes[node].engine, membership: membership, framing: nodes[node].core.framing)
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

    /// Discovery admits every other node at its current boot epoch.
    mutating func discoverEveryone(_ node: Int) -> String? {
        for other in nodes.indices where other != node {
            if let problem = admit(other, by: node) { return problem }
        }
        return nil
    }

    /// `observer` handles `member`'s valid announcement, as `Node.handleAnnouncement` does:
    /// through `NodeCore.admit`.
    mutating func admit(_ member: Int, by observer: Int) -> String? {
        let physical = physical(of: observer)
        let (id, address, epoch) = (nodes[member].id, nodes[member].address, nodes[member].bootEpoch)
        let (_, directives) = nodes[observer].core.admit(
            id, address: address, incarnation: epoch.rawValue, now: physical)
        return carryOut(directives, node: observer)
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

    /// A SWIM message, decoded as `Node.dispatch` decodes it and handed to the core.
    mutating func receiveMembership(_ frame: AuthenticatedFrame, at node: Int) -> String? {
        let header = frame.header
        guard let message = try? SWIMMessage.decodeBody(kind: header.kind, frame.body) else {
            nodes[node].rejections["invalid_body", default: 0] += 1
            return nil
        }
        let directives = nodes[node].core.receiveMembership(
            message, from: header.sender, senderClock: header.hlc, now: physical(of: node))
        return carryOut(directives, node: node)
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
