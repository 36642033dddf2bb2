import GossipKVCore

extension Simulation {
    mutating func apply(_ fault: Fault) -> String? {
        switch fault {
        case let .partition(groups) where faultsActive:
            network.partition(groups)
        case let .blockLink(from, to) where faultsActive:
            network.block(from: from, to: to)
        case .heal:
            network.heal()
        case let .crash(node) where faultsActive && nodes[node].isUp:
            nodes[node].isUp = false
            nodes[node].generation += 1
            nodes[node].queuedTickAt = .max
            nodes[node].crashedAt = now
            pausedUntil[node] = 0
        case let .restart(node, loseDisk, loseUnsynced) where !nodes[node].isUp:
            return restart(node, loseDisk: loseDisk && !nodes[node].hadClockExcursion, loseUnsynced: loseUnsynced)
        case let .clockExcursion(node, offset) where faultsActive && nodes[node].isUp:
            nodes[node].clock.excursion = offset
            nodes[node].hadClockExcursion = true
        case let .clockReturn(node):
            nodes[node].clock.excursion = nil
        case let .pause(node, milliseconds) where nodes[node].isUp:
            pausedUntil[node] = max(pausedUntil[node], now + milliseconds)
            resumedAt[node] = pausedUntil[node]
        default:
            break
        }
        return nil
    }

    /// Brings a crashed node back with what its storage would give back, and lets the node's own
    /// start rule (`ReplicaStart`) decide its data epoch and when it may write first: every
    /// restart here follows a crash, so the directory was not closed and the node comes back
    /// under a new data epoch, as a real node does after an unclean shutdown. After a disk loss
    /// it finds a wiped directory; after losing unsynced data, the state last synced. The HLC
    /// ceiling it recovers is the clock it had: storage keeps the ceiling ahead of every issued
    /// timestamp.
    mutating func restart(_ node: Int, loseDisk: Bool, loseUnsynced: Bool = false) -> String? {
        if let problem = deathDetectionProblem(restarting: node) { return problem }
        let old = nodes[node].engine.replica
        let physical = nodes[node].physical(at: now, start: start)
        let survivors = nodes.indices.filter { $0 != node && nodes[$0].isHonest }.map { nodes[$0].engine.replica }
        let disk: ReplicaStart.Disk
        if loseDisk {
            history.recordDiskLoss(of: old, survivors: survivors)
            disk = .fresh
            // The clock restarts from nothing; what the node must still keep is that its new
            // writes come after everything its clock reached before (checked at each write).
            nodes[node].writeFloor = max(nodes[node].writeFloor, nodes[node].highestClock)
            nodes[node].highestClock = .zero
        } else {
            var kept = old
            var losses = ["the last run did not close the data directory"]
            if loseUnsynced, let durable = nodes[node].durable {
                // A write only a liar still holds may be lost: liars withhold what they like.
                history.recordDiskLoss(of: old, keeping: durable, survivors: survivors)
                kept = durable
                losses.append("records not fsynced were lost")
            }
            disk = .recovered(
                ReplicaStart.Recovered(
                    map: kept.map, digest: kept.digest, clockCeiling: old.clock.last, dataEpoch: old.epoch,
                    possibleLosses: losses))
        }
        let started = ReplicaStart(
            id: old.id, identityIsPersistent: true, disk: disk, maxClockOffsetMilliseconds: options.maxClockOffsetMilliseconds,
            physicalNow: physical, newEpoch: { self.newEpoch(after: $0) })
        let replica = started.replica
        nodes[node].firstWriteNotBefore = started.firstWriteNotBefore
        var engine = GossipEngine(replica: replica, config: engineConfig, seed: random.next(), now: physical)
        if !nodes[node].isHonest { history.addLiarOrigin(replica.origin) }
        // What it came back with is on its disk.
        engine.markDurable(replica.digest)
        nodes[node].durable = replica
        nodes[node].syncedAt = now
        nodes[node].isUp = true
        nodes[node].queuedTickAt = .max
        nodes[node].boot(epoch: engine.replica.readTime(physical: physical), at: now)
        if options.membership {
            // A new process: an empty view and a new incarnation, the new boot epoch.
            nodes[node].core = NodeCore(engine: engine, membership: makeMembership(node, seed: random.next(), now: now))
        } else {
            nodes[node].core = NodeCore(engine: engine)
        }
        trace(4, node, loseDisk ? 1 : (loseUnsynced ? 2 : 0), 0)
        schedule(.rediscover(node: node, generation: nodes[node].generation), at: now + 10 + random.next() % 300)
        return afterInput(node)
    }

    /// A random data epoch (from the run's seed), never 0 and never the current one.
    mutating func newEpoch(after current: UInt64) -> UInt64 {
        var epoch = random.next()
        while epoch == 0 || epoch == current { epoch = random.next() }
        return epoch
    }

    /// Heals every fault: the network, clocks, crashed nodes. Loss, duplication and pauses go on
    /// at the settle phase's low rate (`SimulationOptions.settleLossProbability`).
    mutating func endFaultPhase() -> String? {
        faultsActive = false
        network.heal()
        for node in nodes.indices {
            nodes[node].clock.excursion = nil
            if !nodes[node].isUp, let problem = restart(node, loseDisk: false) { return problem }
        }
        return checkInvariants()
    }

    /// Whether watermark claims are checked (see `SimulationOptions.checkWatermarkClaims`).
    var checksClaims: Bool { options.checkWatermarkClaims && options.byzantineNodes == 0 }

    /// The invariants checked as the run goes, on honest nodes only (a liar's state is its own).
    func checkInvariants() -> String? {
        for node in nodes where node.isHonest && checksClaims {
            if let violation = history.watermarkViolation(in: node.engine.replica) { return violation }
        }
        return peersMismatch()
    }

    /// Every node is up, the honest replicas hold the same map, the expected one, and their
    /// watermarks cover every honest origin's newest surviving write.
    func isConverged() -> Bool { convergenceProblem() == nil }

    /// Whether two honest replicas hold the same map. With liars, entries dead for longer than
    /// the grace period may differ: a liar can keep some honest nodes from collecting (its
    /// digest to them never covers the entry) while the others collect, and a replica that
    /// collected takes such an entry back as the no-op it is (`Replica.applyRemote`). Readers
    /// see the same either way; the cost is rounds that keep finding the difference (README,
    /// "Liars").
    func agrees(_ replica: Replica, with first: Replica) -> Bool {
        if replica.map.stateHash == first.map.stateHash { return true }
        guard options.byzantineNodes > 0 else { return false }
        func kept(_ replica: Replica) -> [Entry] {
            let dead = deadPastGrace(at: replica)
            return replica.map.sortedEntries().filter { !dead($0) }
        }
        return kept(replica) == kept(first)
    }

    /// In liar schedules, whether an entry is dead past the grace period at `replica`'s read
    /// time (see `agrees`); in honest ones, never.
    func deadPastGrace(at replica: Replica) -> (Entry) -> Bool {
        guard options.byzantineNodes > 0 else { return { _ in false } }
        let grace = options.gossip.tombstoneGracePeriodMilliseconds
        let now = replica.readTime(physical: physical(of: nodes.firstIndex { $0.id == replica.id } ?? 0))
        return { LWWMap.isPastGrace($0, at: now, graceMilliseconds: grace) }
    }

    /// Nil once converged (`isConverged`), else the first thing that is not there yet.
    func convergenceProblem() -> String? {
        if let down = nodes.firstIndex(where: { !$0.isUp }) { return "node \(down) is down" }
        guard let first = nodes.first(where: \.isHonest)?.engine.replica else { return nil }
        for (index, node) in nodes.enumerated() where node.isHonest && !agrees(node.engine.replica, with: first) {
            // Say how: the first honest map that is not the expected one.
            for (other, candidate) in nodes.enumerated() where candidate.isHonest {
                if let problem = history.mapProblem(
                    candidate.engine.replica.map.sortedEntries(), deadPastGrace: deadPastGrace(at: candidate.engine.replica))
                {
                    return "honest node \(other): \(problem)"
                }
            }
            let theirs = node.engine.replica.map.sortedEntries()
            let ours = first.map.sortedEntries()
            let differing = Set(theirs.map { $0 }).symmetricDifference(Set(ours.map { $0 })).sorted {
                $0.key.lexicographicallyPrecedes($1.key)
            }
            let shown = differing.prefix(4).map { entry in
                "\(entry) (watermarks for its origin: first honest \(first.digest[entry.origin]), node \(index) \(node.engine.replica.digest[entry.origin]))"
            }
            return "honest node \(index)'s map differs from the first honest node's: "
                + shown.joined(separator: "; ")
        }
        if let problem = history.mapProblem(first.map.sortedEntries(), deadPastGrace: deadPastGrace(at: first)) {
            return problem
        }
        for node in nodes where node.isHonest {
            if let problem = history.watermarkLag(in: node.engine.replica, exempt: lagExempt) { return problem }
        }
        return nil
    }

    /// Origins whose watermarks may lag for good: the retired data epochs of nodes that lost
    /// data. Such an origin writes no more, so a tail of its writes that reached peers only out
    /// of order (no contiguity proof) is never covered by a watermark; the entries themselves
    /// still converge through bucket exchanges. Every current origin is held to the check.
    var lagExempt: Set<NodeID> {
        let current = Set(nodes.map(\.engine.replica.origin))
        return Set(history.accepted.map(\.origin)).subtracting(current)
    }

    func makeReport(failure: String?, convergedAt: UInt64?) -> SimulationReport {
        var failure = failure
        let expected = history.expectedEntries
        if failure == nil {
            for node in nodes where node.isHonest {
                if let problem = history.mapProblem(
                    node.engine.replica.map.sortedEntries(), deadPastGrace: deadPastGrace(at: node.engine.replica))
                {
                    failure = "replica \(node.id) differs from the expected map: \(problem)"
                    break
                }
            }
        }
        if failure == nil {
            for node in nodes where node.isHonest {
                if let problem = history.watermarkLag(in: node.engine.replica, exempt: lagExempt) {
                    failure = problem
                    break
                }
            }
        }
        if failure == nil { failure = checkInvariants() }
        var trace = traceHash
        trace.combine(nodes.first?.engine.replica.map.stateHash ?? 0)
        return SimulationReport(
            seed: seed, nodeCount: options.nodeCount, failure: failure,
            settleMilliseconds: convergedAt.map { $0 - start - options.faultPhaseMilliseconds },
            steps: steps, messagesSent: messagesSent, membershipMessagesSent: membershipMessagesSent,
            bytesSent: bytesSent,
            acceptedWrites: history.accepted.count, writesLostWithDisk: history.lostWithDisk.count,
            collectedEntries: history.collectedCount, zombieReturns: history.zombieReturns,
            liarResurrections: history.liarResurrections,
            expectedKeys: expected.count, byzantineNodes: nodes.count - nodes.filter(\.isHonest).count,
            reads: history.readCount, lies: liesTold,
            rejections: nodes.reduce(into: [:]) { total, node in total.merge(node.rejections, uniquingKeysWith: +) },
            traceHash: trace.finalize())
    }
}

/// What one schedule did and whether the replicas converged to the checker's expected map.
public struct SimulationReport: Sendable, Equatable, CustomStringConvertible {
    public var seed: UInt64
    public var nodeCount: Int
    /// Nil when every check passed.
    public var failure: String?
    /// Time from the end of the fault phase until every replica equalled the expected map and,
    /// with membership, every node saw every other alive.
    public var settleMilliseconds: UInt64?
    public var steps: Int
    public var messagesSent: Int
    /// Of `messagesSent`, the SWIM messages (zero without membership).
    public var membershipMessagesSent: Int
    public var bytesSent: Int
    public var acceptedWrites: Int
    /// Writes destroyed with a disk before reaching any other replica (forgiven, reported).
    public var writesLostWithDisk: Int
    /// Entries dropped by garbage collection or the reconcile step, summed over replicas.
    public var collectedEntries: Int
    /// Values that came back after a collection because no watermark of the collector covered
    /// them (`History.noteZombies`): the stated limit of garbage collection, counted.
    public var zombieReturns: Int
    /// Deletes a liar's inflated claims undid (counted, not failed; `History.resurrection`).
    public var liarResurrections: Int
    public var expectedKeys: Int
    /// Byzantine members in the run (`SimulationOptions.byzantineNodes`).
    public var byzantineNodes: Int
    /// Client reads checked (`History.checkRead`).
    public var reads: Int
    /// Lies told by the Byzantine members, by form (`ByzantinePeer`).
    public var lies: [String: Int]
    /// Envelopes and membership messages refused, by reason, summed over nodes: duplicated
    /// datagrams show up as `replay`, and ignored SWIM messages as `membership_` and the drop's label.
    public var rejections: [String: Int]
    /// Fingerprint of the whole run: equal for equal seeds.
    public var traceHash: UInt64

    /// What kind of failure this is, for reports: `lost honest write`, `resurrection`,
    /// `watermark over-claim`, `watermark lag`, `membership eviction`, `not available`, `read`,
    /// `not converged`, or `other`. Nil when the run passed.
    public var category: String? {
        guard let failure else { return nil }
        let tags = [
            "lost honest write", "resurrection", "watermark over-claim", "watermark lag", "not available", "read:",
        ]
        if let tag = tags.first(where: { failure.contains($0) }) { return tag == "read:" ? "read" : tag }
        if failure.contains(" as dead") || failure.contains(" as suspect") || failure.contains(" as left") {
            return "membership eviction"
        }
        if failure.contains("did not converge") || failure.contains("did not settle") { return "not converged" }
        return "other"
    }

    public var description: String {
        let outcome = failure.map { "FAILED [\(category ?? "")]: \($0)" } ?? "converged \(settleMilliseconds ?? 0) ms after heal"
        let liars = byzantineNodes > 0 ? " (\(byzantineNodes) Byzantine, \(lies.values.reduce(0, +)) lies)" : ""
        return "seed \(seed): \(nodeCount) nodes\(liars), \(reads) reads, \(acceptedWrites) writes (\(writesLostWithDisk) lost with a disk), "
            + "\(collectedEntries) collected (\(zombieReturns) zombie returns, \(liarResurrections) undone by liars), \(steps) events, \(messagesSent) messages (\(membershipMessagesSent) SWIM); \(outcome)"
    }
}
