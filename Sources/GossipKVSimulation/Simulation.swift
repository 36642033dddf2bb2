import GossipKVCore
import HeapModule

/// A deterministic simulation of a cluster running the real core: a seeded network that loses,
/// duplicates, delays and reorders messages, partitions and heals, nodes that crash and restart
/// (some losing their disk), and clocks that drift, step and, for a while, leave the max offset.
/// Each node runs the anti-entropy engine and, unless the options turn it off, SWIM membership,
/// composed by the node's own `NodeCore` (`Sources/GossipKVCore/Node/NodeCore.swift`).
///
/// One seed reproduces a run bit for bit: every random choice comes from generators derived from
/// the seed, events are ordered by `(time, sequence)`, and no iteration over an unordered
/// collection reaches the event order. `traceHash` fingerprints the whole run.
public struct Simulation: Sendable {
    public let seed: UInt64
    public let options: SimulationOptions
    public internal(set) var history = History()
    /// A fingerprint of every event processed, in order.
    public private(set) var traceHash = StableHasher()
    public private(set) var steps = 0
    public internal(set) var messagesSent = 0
    /// Of `messagesSent`, the SWIM messages (pings, acks, ping-requests, nacks).
    public internal(set) var membershipMessagesSent = 0
    public internal(set) var bytesSent = 0
    /// Envelope bytes delivered to each node (by index), whatever the receiver then did with them.
    public internal(set) var bytesReceivedByNode: [Int]
    /// Messages sent, by sender (honest or liar) and kind: where the traffic goes.
    public internal(set) var sentByKind: [String: Int] = [:]

    public internal(set) var now: UInt64
    let start: UInt64

    var nodes: [SimulatedNode] = []
    var indexByID: [NodeID: Int] = [:]
    var knownIDs: Set<NodeID> = []
    /// The engine configuration every node runs (`SimulationOptions.engineConfig`).
    let engineConfig: GossipConfig
    private var events = Heap<ScheduledEvent>()
    private var sequence: UInt64 = 0
    var network: NetworkState
    var random: SplitMix64
    var faultsActive = true
    /// Per node, the simulated time its paused process goes on (0: not paused).
    var pausedUntil: [UInt64]
    /// Per node, when its last pause ended (0: never paused).
    var resumedAt: [UInt64]
    /// What each power loss leaves of a log (`SimulatedLog.powerLoss`). From the seed alone, so
    /// the plan of writes and faults is the same as before logs were modelled.
    var crashRandom: SplitMix64
    /// Recoveries by what they had to cut (`SimulationReport.recoveries`).
    var recoveries: [String: Int] = [:]
    /// `lastHeard[a][b]`: when node a last accepted an envelope from node b (simulated time):
    /// how long b has been away from a, down or cut off (`History.noteZombies`).
    var lastHeard: [[UInt64]]
    /// `returnedAt[a][b]`: when a heard b again after an absence longer than the grace period
    /// (0: never).
    var returnedAt: [[UInt64]]

    public init(seed: UInt64, options: SimulationOptions) {
        self.seed = seed
        self.options = options
        self.engineConfig = options.engineConfig
        self.crashRandom = SplitMix64(seed: seed ^ 0x10C_C2A5_4000_0001)
        var random = SplitMix64(seed: seed)
        start = 1_764_000_000_000
        now = start
        network = NetworkState(random: random.derived(), nodeCount: options.nodeCount)
        lastHeard = Array(
            repeating: Array(repeating: start, count: options.nodeCount), count: options.nodeCount)
        bytesReceivedByNode = Array(repeating: 0, count: options.nodeCount)
        returnedAt = Array(repeating: Array(repeating: 0, count: options.nodeCount), count: options.nodeCount)
        pausedUntil = Array(repeating: 0, count: options.nodeCount)
        resumedAt = Array(repeating: 0, count: options.nodeCount)
        var clockRandom = random.derived()
        var idRandom = random.derived()
        var engineSeeds = random.derived()
        for index in 0..<options.nodeCount {
            let id = NodeID(high: idRandom.next(), low: idRandom.next())
            let clock = SimulatedClock(random: &clockRandom, maxOffset: options.maxClockOffsetMilliseconds)
            let engine = GossipEngine(
                replica: Replica(id: id, maxClockOffsetMilliseconds: options.maxClockOffsetMilliseconds),
                config: engineConfig, seed: engineSeeds.next(), now: start)
            // The boot epoch is the node's HLC at start, read with its own clock, as the node does.
            let bootEpoch = engine.replica.readTime(
                physical: SimulatedNode.physical(of: clock, at: start, start: start))
            nodes.append(
                SimulatedNode(id: id, index: index, engine: engine, clock: clock, bootEpoch: bootEpoch))
        }
        let ids = nodes.map(\.id)
        for index in nodes.indices {
            nodes[index].core.markDurable(Digest())
            // The process starts running now: a pause before its first input is a stall too.
            nodes[index].core.noteRunTime(monotonic: start, now: start)
        }
        for (index, id) in ids.enumerated() { indexByID[id] = index }
        knownIDs = Set(ids)
        // The liars are the last indices. Their generators come from the seed alone (not from
        // `random`), so that a seed plans the same writes and faults with liars or without.
        var liarSeeds = SplitMix64(seed: seed ^ 0xB12A_4717_E5EE_D001)
        let liarCount = min(max(0, options.byzantineNodes), options.nodeCount - 1)
        for index in (options.nodeCount - liarCount)..<options.nodeCount {
            nodes[index].liar = ByzantinePeer(seed: liarSeeds.next())
        }
        history = History(
            liars: Set(nodes.filter { !$0.isHonest }.map(\.id)), strictClaims: options.strictChecks)
        for index in nodes.indices { nodes[index].boot(at: start) }
        // Without membership the peers are static; with it they follow the membership view,
        // which discovery fills at start (`startMembership`).
        if !options.membership {
            for index in nodes.indices { nodes[index].core.setPeers(ids) }
        }
        self.random = random
        planSchedule()
        // After the plan, so that a seed plans the same writes and faults with membership or without.
        if options.membership { startMembership() }
    }

    // MARK: Events

    enum Event: Sendable {
        case deliver(from: Int, to: Int, generation: Int, envelope: [UInt8], channel: WireChannel)
        case tick(node: Int, generation: Int)
        case write(node: Int, key: Int, kind: WriteKind)
        /// A client read at an honest node, checked by `History.checkRead`.
        case read(node: Int, key: Int)
        case fault(Fault)
        /// Discovery finds every other node (multicast or static seeds, as at start).
        case rediscover(node: Int, generation: Int)
        case checkInvariants
        case endFaultPhase
    }

    enum WriteKind: Sendable {
        case put
        case delete
        case putExpiring(afterMilliseconds: UInt64)
    }

    enum Fault: Sendable {
        case partition(groups: [Int])
        case blockLink(from: Int, to: Int)
        case heal
        case crash(node: Int)
        /// `loseUnsynced`: the node comes back with what it last synced to disk
        /// (`SimulationOptions.syncIntervalMilliseconds`), losing what it applied, wrote or
        /// collected since.
        case restart(node: Int, loseDisk: Bool, loseUnsynced: Bool = false)
        case clockExcursion(node: Int, offset: Int64)
        case clockReturn(node: Int)
        /// The node's process stops (SIGSTOP) for `milliseconds`, then goes on (SIGCONT): its
        /// clock runs, what arrives waits in its sockets, and it answers nothing meanwhile.
        case pause(node: Int, milliseconds: UInt64)
    }

    struct ScheduledEvent: Comparable, Sendable {
        var time: UInt64
        var sequence: UInt64
        var event: Event
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.time, lhs.sequence) < (rhs.time, rhs.sequence) }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.time == rhs.time && lhs.sequence == rhs.sequence }
    }

    mutating func schedule(_ event: Event, at time: UInt64) {
        sequence += 1
        events.insert(ScheduledEvent(time: time, sequence: sequence, event: event))
    }

    // MARK: Running

    /// Runs the schedule and the settle phase; returns the outcome the checker sees.
    public mutating func run() -> SimulationReport {
        var failure: String?
        var convergedAt: UInt64?
        let deadline = start + options.faultPhaseMilliseconds + options.settleBudgetMilliseconds
        while let next = events.popMin() {
            steps += 1
            if steps > options.stepBudget {
                failure = "step budget of \(options.stepBudget) events exceeded at t=\(next.time - start) ms"
                break
            }
            if next.time > deadline { break }
            now = max(now, next.time)
            if let problem = handleTracing(next.event) {
                failure = problem
                break
            }
            if !faultsActive, steps % 64 == 0 || events.isEmpty, isConverged(),
                membershipSettleProblem() == nil
            {
                convergedAt = now
                break
            }
        }
        if failure == nil && convergedAt == nil {
            if let problem = convergenceProblem() {
                failure = "replicas did not converge within the settle budget: \(problem)"
                if let problem = membershipSettleProblem() { failure? += " (membership: \(problem))" }
            } else if let problem = membershipSettleProblem() {
                failure = "membership did not settle within the settle budget: \(problem)"
            } else {
                convergedAt = now
            }
        }
        if failure == nil, let convergedAt, let target = options.settleTargetMilliseconds,
            convergedAt > start + options.faultPhaseMilliseconds + target
        {
            let took = convergedAt - start - options.faultPhaseMilliseconds
            failure = "replicas did not converge within \(target) ms of the heal: they took \(took) ms"
        }
        return makeReport(failure: failure, convergedAt: convergedAt)
    }

    func peekTime() -> UInt64? { events.min?.time }

    /// Processes the next event (for experiments, which ignore failures).
    mutating func step() {
        guard let next = events.popMin() else { return }
        steps += 1
        now = max(now, next.time)
        _ = handle(next.event)
    }

    mutating func handle(_ event: Event) -> String? {
        if deferredWhilePaused(event) { return nil }
        switch event {
        case let .deliver(from, to, generation, envelope, channel):
            trace(1, from, to, UInt64(envelope.count))
            guard nodes[to].isUp, nodes[to].generation == generation, network.allows(from: from, to: to)
            else { return nil }
            bytesReceivedByNode[to] += envelope.count
            nodes[to].core.noteRunTime(monotonic: now, now: physical(of: to))
            return receive(envelope, channel: channel, at: to)
        case let .tick(node, generation):
            guard nodes[node].isUp, nodes[node].generation == generation, nodes[node].queuedTickAt == now
            else {
                return nil
            }
            trace(2, node, 0, 0)
            nodes[node].queuedTickAt = .max
            nodes[node].core.noteRunTime(monotonic: now, now: physical(of: node))
            return tick(node) ?? afterInput(node)
        case let .write(node, key, kind):
            guard nodes[node].isUp else { return nil }
            trace(3, node, key, 0)
            return clientWrite(node: node, key: key, kind: kind)
        case let .read(node, key):
            guard nodes[node].isUp, nodes[node].isHonest else { return nil }
            return clientRead(node: node, key: key)
        case let .fault(fault):
            return apply(fault)
        case let .rediscover(node, generation):
            guard nodes[node].isUp, nodes[node].generation == generation else { return nil }
            guard nodes[node].membership != nil else {
                nodes[node].core.setPeers(nodes.map(\.id))
                let directives = nodes[node].core.startRound(
                    with: randomPeer(of: node), now: physical(of: node))
                return carryOut(directives, node: node) ?? afterInput(node)
            }
            return discoverEveryone(node) ?? afterInput(node)
        case .checkInvariants:
            return checkInvariants()
        case .endFaultPhase:
            return endFaultPhase()
        }
    }

    private mutating func clientWrite(node: Int, key: Int, kind: WriteKind) -> String? {
        let physical = physical(of: node)
        if physical < nodes[node].firstWriteNotBefore {
            // The node holds the write back until it may write (`Node.put` sleeps): retry then.
            schedule(
                .write(node: node, key: key, kind: kind),
                at: now + (nodes[node].firstWriteNotBefore - physical))
            return nil
        }
        let keyBytes = Array("key-\(key)".utf8)
        var value: [UInt8]? = Array("v\(seed % 1000)-\(steps)".utf8)
        var expiry: HLCTimestamp?
        switch kind {
        case .put: break
        case .delete: value = nil
        case let .putExpiring(after): expiry = HLCTimestamp(physical: physical + after)
        }
        do {
            let entry = try nodes[node].core.write(keyBytes, value: value, expiry: expiry, now: physical)
            if entry.timestamp <= nodes[node].writeFloor {
                return
                    "node \(node) wrote \(entry) at or below \(nodes[node].writeFloor), which its clock reached before it lost its disk"
            }
            history.record(entry)
            nodes[node].log.append(entry)
        } catch {
            // Clock fencing refuses writes on a node whose clock ran ahead of most peers: fine
            // in a schedule with clock excursions (the node's own, or peers' behind it; an HLC
            // may stay ahead after an excursion ended), a failure in any other.
            if case .clockAheadOfPeers = error, nodes.contains(where: \.hadClockExcursion) {
                return afterInput(node)
            }
            return "not available: a valid write was refused at node \(node): \(error)"
        }
        return afterInput(node)
    }

    /// A client read as `Node.get` serves it (`Replica.get` at the node's clock), checked
    /// against what this node's client wrote and read before.
    private mutating func clientRead(node: Int, key: Int) -> String? {
        let physical = physical(of: node)
        let replica = nodes[node].engine.replica
        let keyBytes = Array("key-\(key)".utf8)
        let value = replica.get(keyBytes, physical: physical)
        return history.checkRead(
            at: replica.origin, replica: replica.id, key: keyBytes,
            entry: replica.map.entry(forKey: keyBytes), value: value,
            readTime: replica.readTime(physical: physical)
        ).map { "\($0) (node \(node) at t=\(now - start) ms)" }
    }

    /// What follows every input to a node: the HLC check, a sync to its simulated disk when one
    /// is due, and a tick at the new earliest deadline.
    mutating func afterInput(_ node: Int) -> String? {
        if nodes[node].isUp, now >= nodes[node].syncedAt + options.syncIntervalMilliseconds {
            // The watermarks go after the entries they cover, then an fsync; the shell reports
            // what it made durable through the core's one input for it, as the node does.
            nodes[node].log.appendWatermarks(nodes[node].engine.replica.digest)
            if let durable = nodes[node].log.sync() { nodes[node].core.markDurable(durable) }
            nodes[node].durable = nodes[node].engine.replica
            nodes[node].syncedAt = now
        }
        return noteClock(node) ?? rescheduleTick(node)
    }

    /// The node's timers, through the core as the real node runs them (`Node.tick`). A tick
    /// MUST move the membership's next deadline past now; one that does not would tick forever.
    private mutating func tick(_ node: Int) -> String? {
        let physical = physical(of: node)
        let directives = nodes[node].core.tick(now: physical)
        if let next = nodes[node].membership?.nextTickAt, next <= physical {
            return "node \(node)'s membership asks for a tick at \(next) after ticking at \(physical)"
        }
        let problem = carryOut(directives, node: node)
        // As `Node.tick` does after the directives: the watermarks, if they moved (not yet fsynced).
        nodes[node].log.appendWatermarks(nodes[node].engine.replica.digest)
        return problem
    }

    mutating func scheduleTick(_ node: Int) {
        _ = rescheduleTick(node)
    }

    /// Queues a tick at the core's earliest deadline (as the node's `refreshTimer` does), unless
    /// an earlier one is already queued.
    mutating func rescheduleTick(_ node: Int) -> String? {
        guard nodes[node].isUp else { return nil }
        let physicalNow = physical(of: node)
        let wanted = nodes[node].core.nextTickAt
        guard wanted != .max else { return nil }
        // Deadlines are in the node's clock; convert back to simulated time.
        let delay = wanted > physicalNow ? wanted - physicalNow : 0
        let time = now + max(delay, 1)
        if time < nodes[node].queuedTickAt {
            nodes[node].queuedTickAt = time
            schedule(.tick(node: node, generation: nodes[node].generation), at: time)
        }
        return nil
    }

    func physical(of node: Int) -> UInt64 { nodes[node].physical(at: now, start: start) }

    private mutating func randomPeer(of node: Int) -> NodeID {
        let others = nodes.indices.filter { $0 != node }
        return nodes[others[Int(random.next() % UInt64(others.count))]].id
    }

    mutating func noteClock(_ node: Int) -> String? {
        let clock = nodes[node].engine.replica.clock.last
        if clock < nodes[node].highestClock {
            return "node \(node)'s HLC went back from \(nodes[node].highestClock) to \(clock)"
        }
        nodes[node].highestClock = clock
        return nil
    }

    mutating func trace(_ kind: UInt64, _ a: Int, _ b: Int, _ c: UInt64) {
        traceHash.combine(now)
        traceHash.combine(kind)
        traceHash.combine(UInt64(a))
        traceHash.combine(UInt64(b))
        traceHash.combine(c)
    }
}
