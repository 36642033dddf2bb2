import GossipKVCore

/// The plan of a run: client operations and faults drawn from the seed within the options'
/// bounds, the options' planned faults, and the periodic invariant checks.
extension Simulation {
    /// Draws the client operations and faults of the fault phase from the seed.
    mutating func planSchedule() {
        var plan = random.derived()
        // Reads come from a generator of their own, derived from the seed alone, so that they
        // change no other choice of the plan.
        var reads = SplitMix64(seed: seed ^ 0x4EAD_0F_5EED)
        let phase = options.faultPhaseMilliseconds
        for _ in 0..<options.operationCount {
            let time = start + plan.next() % phase
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let key = Int(plan.next() % UInt64(options.keySpace))
            // About half the writes are read back by the writer's client soon after.
            if reads.next() % 2 == 0 {
                schedule(.read(node: node, key: key), at: time + 1 + reads.next() % 300)
            }
            let kind: WriteKind
            switch plan.next() % 10 {
            case 0..<6: kind = .put
            case 6..<8: kind = .delete
            default: kind = .putExpiring(afterMilliseconds: 50 + plan.next() % 3_000)
            }
            schedule(.write(node: node, key: key, kind: kind), at: time)
        }
        for _ in 0..<(options.readCount ?? options.operationCount) {
            let time = start + reads.next() % phase
            let node = Int(reads.next() % UInt64(options.nodeCount))
            schedule(.read(node: node, key: Int(reads.next() % UInt64(options.keySpace))), at: time)
        }
        for _ in 0..<options.networkFaults {
            let time = start + plan.next() % phase
            switch plan.next() % 3 {
            case 0:
                let groupCount = 2 + plan.next() % 2
                let groups = (0..<options.nodeCount).map { _ in Int(plan.next() % groupCount) }
                schedule(.fault(.partition(groups: groups)), at: time)
                schedule(.fault(.heal), at: time + 500 + plan.next() % 5_000)
            case 1:
                let from = Int(plan.next() % UInt64(options.nodeCount))
                let to = Int(plan.next() % UInt64(options.nodeCount))
                schedule(.fault(.blockLink(from: from, to: to)), at: time)
            default:
                schedule(.fault(.heal), at: time)
            }
        }
        for fault in options.plannedFaults { schedule(fault) }
        for restart in 0..<(options.restarts + options.diskLosses) {
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let time = start + plan.next() % phase
            schedule(.fault(.crash(node: node)), at: time)
            let loseDisk = restart >= options.restarts
            schedule(.fault(.restart(node: node, loseDisk: loseDisk)), at: time + 200 + plan.next() % 4_000)
        }
        for _ in 0..<options.clockExcursions {
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let time = start + plan.next() % phase
            let magnitude = Int64(options.maxClockOffsetMilliseconds) + 100 + Int64(plan.next() % 2_000)
            let offset = plan.next() % 2 == 0 ? magnitude : -magnitude
            schedule(.fault(.clockExcursion(node: node, offset: offset)), at: time)
            schedule(.fault(.clockReturn(node: node)), at: time + 300 + plan.next() % 3_000)
        }
        planGarbageCollectionFaults(&plan)
        planPauses()
        var checkTime = start
        while checkTime < start + phase {
            checkTime += 250
            schedule(.checkInvariants, at: checkTime)
        }
        schedule(.endFaultPhase, at: start + phase)
        for index in nodes.indices { scheduleTick(index) }
    }

    private mutating func schedule(_ planned: PlannedFault) {
        let time = start + planned.atMilliseconds
        switch planned.kind {
        case let .crash(node, downFor) where nodes.indices.contains(node):
            schedule(.fault(.crash(node: node)), at: time)
            if let downFor { schedule(.fault(.restart(node: node, loseDisk: false)), at: time + downFor) }
        case let .crashLosingUnsynced(node, downFor) where nodes.indices.contains(node):
            schedule(.fault(.crash(node: node)), at: time)
            schedule(.fault(.restart(node: node, loseDisk: false, loseUnsynced: true)), at: time + downFor)
        case let .partition(groups, lasting) where groups.count == nodes.count:
            schedule(.fault(.partition(groups: groups)), at: time)
            if let lasting { schedule(.fault(.heal), at: time + lasting) }
        default:
            break
        }
    }

    /// The faults that matter to garbage collection: crashes that lose unsynced data, and long
    /// outages (a node down, or cut off alone, for longer than the grace period plus failure
    /// detection), so that the others collect deletes it never saw and it returns with old data.
    private mutating func planGarbageCollectionFaults(_ plan: inout SplitMix64) {
        let phase = options.faultPhaseMilliseconds
        for _ in 0..<options.unsyncedLosses {
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let time = start + plan.next() % phase
            schedule(.fault(.crash(node: node)), at: time)
            schedule(
                .fault(.restart(node: node, loseDisk: false, loseUnsynced: true)),
                at: time + 200 + plan.next() % 4_000)
        }
        for _ in 0..<options.longOutages {
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let time = start + plan.next() % (phase / 3 + 1)
            // Detection, then the grace period during which the departed node still holds
            // collection back, then the grace period itself, and a margin.
            let length = 2 * options.gossip.tombstoneGracePeriodMilliseconds + 6_000 + plan.next() % 4_000
            // A write the node takes with it, and its delete by another node while it is away.
            let key = Int(plan.next() % UInt64(options.keySpace))
            let other = (node + 1 + Int(plan.next() % UInt64(options.nodeCount - 1))) % options.nodeCount
            schedule(.write(node: node, key: key, kind: .put), at: time - min(time - start, 300))
            schedule(.write(node: other, key: key, kind: .delete), at: time + 500 + plan.next() % 1_000)
            switch plan.next() % 3 {
            case 0:
                schedule(.fault(.crash(node: node)), at: time)
                schedule(.fault(.restart(node: node, loseDisk: false)), at: time + length)
            case 1:
                schedule(.fault(.crash(node: node)), at: time)
                schedule(.fault(.restart(node: node, loseDisk: false, loseUnsynced: true)), at: time + length)
            default:
                schedule(
                    .fault(.partition(groups: (0..<options.nodeCount).map { $0 == node ? 1 : 0 })), at: time)
                schedule(.fault(.heal), at: time + length)
            }
        }
    }
}
