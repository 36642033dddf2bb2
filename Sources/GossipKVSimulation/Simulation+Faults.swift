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
            return restart(
                node, loseDisk: loseDisk && !nodes[node].hadClockExcursion, loseUnsynced: loseUnsynced)
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

    /// Brings a crashed node back with what its log gives back (`SimulatedLog`), and lets the
    /// node's own start rule (`ReplicaStart`) decide its data epoch and when it may write first:
    /// every restart here follows a crash, so the directory was not closed and the node comes
    /// back under a new data epoch, as a real node does after an unclean shutdown. After a disk
    /// loss it finds a wiped directory. After a process crash every logged record survives;
    /// after a power loss (`loseUnsynced`) the fsynced prefix and part of the rest, maybe a torn
    /// tail cut, maybe a `--repair` cut (`SimulatedLog.powerLoss`). Recovery is the core's
    /// `LogReplay`, as in `GossipKVStorage.Recovery`. Checked at once: every fsynced write
    /// survives a recovery without a repair cut, writes lost in what was cut count as lost with
    /// a disk, and the recovered watermarks claim nothing the node lacks.
    mutating func restart(_ node: Int, loseDisk: Bool, loseUnsynced: Bool = false) -> String? {
        if let problem = deathDetectionProblem(restarting: node) { return problem }
        let old = nodes[node].engine.replica
        let physical = nodes[node].physical(at: now, start: start)
        let survivors = nodes.indices.filter { $0 != node && nodes[$0].isHonest }.map {
            nodes[$0].engine.replica
        }
        let disk: ReplicaStart.Disk
        var durableWrites: [Entry] = []
        var lostRecords = false
        var repairCut = false
        if loseDisk {
            history.recordDiskLoss(of: old, survivors: survivors)
            disk = .fresh
            nodes[node].log = SimulatedLog()
            recoveries["disk lost", default: 0] += 1
            // The clock restarts from nothing; what the node must still keep is that its new
            // writes come after everything its clock reached before (checked at each write).
            nodes[node].writeFloor = max(nodes[node].writeFloor, nodes[node].highestClock)
            nodes[node].highestClock = .zero
        } else {
            let crash = loseUnsynced ? nodes[node].log.powerLoss(random: &crashRandom) : .process
            if crash.repairCut == nil { durableWrites = nodes[node].log.syncedEntries }
            repairCut = crash.repairCut != nil
            let before = nodes[node].log.records.count
            // The ceiling the node fsynced before its clock reached it: at least its clock.
            let recovered = nodes[node].log.recover(
                after: crash, clockCeiling: old.clock.last, dataEpoch: old.epoch)
            lostRecords = nodes[node].log.records.count < before
            for loss in recovered.possibleLosses.dropFirst() { recoveries[loss, default: 0] += 1 }
            recoveries[loseUnsynced ? "power loss" : "process crash", default: 0] += 1
            disk = .recovered(recovered)
        }
        let started = ReplicaStart(
            id: old.id, identityIsPersistent: true, disk: disk,
            maxClockOffsetMilliseconds: options.maxClockOffsetMilliseconds,
            physicalNow: physical, newEpoch: { self.newEpoch(after: $0) })
        let replica = started.replica
        if lostRecords {
            // A write only a liar still holds may be lost: liars withhold what they like.
            history.recordDiskLoss(of: old, keeping: replica, damaged: repairCut, survivors: survivors)
        }
        if nodes[node].isHonest, let problem = recoveryProblem(replica, durableWrites: durableWrites) {
            return
                "\(problem) (node \(node) recovering at t=\(now - start) ms: \(started.newEpochReason ?? ""))"
        }
        if nodes[node].isHonest, !loseDisk, !loseUnsynced,
            let problem = Self.mapDifference(before: old.map, recovered: replica.map)
        {
            return "recovery after a process crash: \(problem) (node \(node) at t=\(now - start) ms)"
        }
        nodes[node].firstWriteNotBefore = started.firstWriteNotBefore
        let engine = GossipEngine(replica: replica, config: engineConfig, seed: random.next(), now: physical)
        if !nodes[node].isHonest { history.addLiarOrigin(replica.origin) }
        nodes[node].durable = replica
        nodes[node].syncedAt = now
        nodes[node].isUp = true
        nodes[node].queuedTickAt = .max
        nodes[node].boot(at: now)
        // A new process: a new boot epoch (its HLC now) and sequences from zero, and with
        // membership an empty view and a new incarnation, the new boot epoch.
        let framing = SimulatedNode.framing(
            id: old.id, bootEpoch: engine.replica.readTime(physical: physical), limits: engineConfig.limits)
        nodes[node].core = NodeCore(engine: engine, framing: framing)
        if options.membership {
            let membership = makeMembership(node, seed: random.next(), now: now)
            nodes[node].core = NodeCore(engine: engine, membership: membership, framing: framing)
        }
        // What it came back with is on its disk, as the node reports what recovery read.
        nodes[node].core.markDurable(replica.digest)
        nodes[node].core.noteRunTime(monotonic: now, now: physical)
        trace(4, node, loseDisk ? 1 : (loseUnsynced ? 2 : 0), 0)
        schedule(
            .rediscover(node: node, generation: nodes[node].generation), at: now + 10 + random.next() % 300)
        return afterInput(node)
    }

    /// Nil when `recovered` is the map `before`; otherwise its first difference. A process crash
    /// keeps every logged record, so recovery must give back exactly the map the node had: every
    /// entry it applied, none it collected (a collected tombstone back is a write its log lost).
    static func mapDifference(before: LWWMap, recovered: LWWMap) -> String? {
        guard before.stateHash != recovered.stateHash || before.count != recovered.count else { return nil }
        let had = before.sortedEntries()
        let got = recovered.sortedEntries()
        for (mine, theirs) in zip(had, got) where mine != theirs {
            return "it had \(mine) where recovery gave \(theirs)"
        }
        if had.count < got.count { return "recovery gave back \(got[had.count]), which it no longer held" }
        if got.count < had.count { return "recovery lost \(had[got.count])" }
        return "the state hash differs"
    }

    /// Nil, or how a recovered replica breaks the storage contract: an fsynced write it lacks
    /// (`durableWrites`, empty when a repair cut may have taken some), or a watermark that
    /// claims a write it lacks (in runs whose claims are checked, `checksClaims`).
    func recoveryProblem(_ replica: Replica, durableWrites: [Entry]) -> String? {
        for write in durableWrites where !history.holdsEffect(of: write, in: replica) {
            return "lost honest write: \(write) was fsynced (acknowledged durable), and recovery lacks it"
        }
        guard checksClaims, let violation = history.watermarkViolation(in: replica) else { return nil }
        return "recovery over-claim: \(violation)"
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
        for (index, node) in nodes.enumerated()
        where node.isHonest && !agrees(node.engine.replica, with: first) {
            // Say how: the first honest map that is not the expected one.
            for (other, candidate) in nodes.enumerated() where candidate.isHonest {
                if let problem = history.mapProblem(
                    candidate.engine.replica.map.sortedEntries(),
                    deadPastGrace: deadPastGrace(at: candidate.engine.replica))
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
        if let problem = history.mapProblem(
            first.map.sortedEntries(), deadPastGrace: deadPastGrace(at: first))
        {
            return problem
        }
        for node in nodes where node.isHonest {
            if let problem = history.watermarkLag(in: node.engine.replica, exempt: lagExempt) {
                return problem
            }
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
                    node.engine.replica.map.sortedEntries(),
                    deadPastGrace: deadPastGrace(at: node.engine.replica))
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
            bytesSent: bytesSent, recoveries: recoveries,
            acceptedWrites: history.accepted.count, writesLostWithDisk: history.lostWithDisk.count,
            collectedEntries: history.collectedCount, zombieReturns: history.zombieReturns,
            liarResurrections: history.liarResurrections,
            expectedKeys: expected.count, byzantineNodes: nodes.count - nodes.filter(\.isHonest).count,
            reads: history.readCount, lies: liesTold,
            rejections: nodes.reduce(into: [:]) { total, node in
                total.merge(node.rejections, uniquingKeysWith: +)
            },
            traceHash: trace.finalize())
    }
}
