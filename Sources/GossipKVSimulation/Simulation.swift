import GossipKVCore
import HeapModule

/// A deterministic simulation of a cluster running the real core: a seeded network that loses,
/// duplicates, delays and reorders messages, partitions and heals, nodes that crash and restart
/// (some losing their disk), and clocks that drift, step and, for a while, leave the max offset.
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
    public private(set) var messagesSent = 0
    public private(set) var bytesSent = 0
    public internal(set) var now: UInt64
    let start: UInt64

    var nodes: [SimulatedNode] = []
    private var indexByID: [NodeID: Int] = [:]
    private var knownIDs: Set<NodeID> = []
    private var events = Heap<ScheduledEvent>()
    private var sequence: UInt64 = 0
    var network: NetworkState
    var random: SplitMix64
    var faultsActive = true

    public init(seed: UInt64, options: SimulationOptions) {
        self.seed = seed
        self.options = options
        var random = SplitMix64(seed: seed)
        start = 1_764_000_000_000
        now = start
        network = NetworkState(random: random.derived(), nodeCount: options.nodeCount)
        var clockRandom = random.derived()
        var idRandom = random.derived()
        var engineSeeds = random.derived()
        for _ in 0..<options.nodeCount {
            let id = NodeID(high: idRandom.next(), low: idRandom.next())
            let clock = SimulatedClock(random: &clockRandom, maxOffset: options.maxClockOffsetMilliseconds)
            let node = SimulatedNode(
                id: id,
                engine: GossipEngine(
                    replica: Replica(id: id, maxClockOffsetMilliseconds: options.maxClockOffsetMilliseconds),
                    config: options.gossip, seed: engineSeeds.next(), now: start),
                clock: clock)
            nodes.append(node)
        }
        let ids = nodes.map(\.id)
        for (index, id) in ids.enumerated() { indexByID[id] = index }
        knownIDs = Set(ids)
        for index in nodes.indices { nodes[index].boot(epoch: HLCTimestamp(physical: start)) }
        for index in nodes.indices { nodes[index].engine.setPeers(ids) }
        self.random = random
        planSchedule()
    }

    // MARK: Events

    enum Event: Sendable {
        case deliver(from: Int, to: Int, generation: Int, envelope: [UInt8], channel: WireChannel)
        case tick(node: Int, generation: Int)
        case write(node: Int, key: Int, kind: WriteKind)
        case fault(Fault)
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
        case restart(node: Int, loseDisk: Bool)
        case clockExcursion(node: Int, offset: Int64)
        case clockReturn(node: Int)
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

    /// Draws the client operations and faults of the fault phase from the seed.
    private mutating func planSchedule() {
        var plan = random.derived()
        let phase = options.faultPhaseMilliseconds
        for _ in 0..<options.operationCount {
            let time = start + plan.next() % phase
            let node = Int(plan.next() % UInt64(options.nodeCount))
            let key = Int(plan.next() % UInt64(options.keySpace))
            let kind: WriteKind
            switch plan.next() % 10 {
            case 0..<6: kind = .put
            case 6..<8: kind = .delete
            default: kind = .putExpiring(afterMilliseconds: 50 + plan.next() % 3_000)
            }
            schedule(.write(node: node, key: key, kind: kind), at: time)
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
        var checkTime = start
        while checkTime < start + phase {
            checkTime += 250
            schedule(.checkInvariants, at: checkTime)
        }
        schedule(.endFaultPhase, at: start + phase)
        for index in nodes.indices { scheduleTick(index) }
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
            if let problem = handle(next.event) {
                failure = problem
                break
            }
            if !faultsActive, steps % 64 == 0 || events.isEmpty, isConverged() {
                convergedAt = now
                break
            }
        }
        if failure == nil && convergedAt == nil {
            failure = isConverged() ? nil : "replicas did not converge within the settle budget"
            if failure == nil { convergedAt = now }
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

    private mutating func handle(_ event: Event) -> String? {
        switch event {
        case let .deliver(from, to, generation, envelope, channel):
            trace(1, from, to, UInt64(envelope.count))
            guard nodes[to].isUp, nodes[to].generation == generation, network.allows(from: from, to: to) else { return nil }
            let verifier = SimulatedAuthenticator(sender: nodes[to].id, knownSenders: knownIDs)
            let maxBytes = channel == .gossipDatagram ? options.gossip.limits.maxDatagramBytes : options.gossip.limits.maxFrameBytes
            switch nodes[to].opener.open(envelope, maxBytes: maxBytes, verifier: verifier) {
            case let .failure(rejection):
                nodes[to].rejections[rejection.label, default: 0] += 1
                return nil
            case let .success(opened):
                let directives = nodes[to].engine.receive(
                    opened.message, from: opened.header.sender, senderClock: opened.header.hlc, now: physical(of: to))
                return carryOut(directives, node: to)
            }
        case let .tick(node, generation):
            guard nodes[node].isUp, nodes[node].generation == generation, nodes[node].queuedTickAt == now else {
                return nil
            }
            trace(2, node, 0, 0)
            nodes[node].queuedTickAt = .max
            let directives = nodes[node].engine.tick(now: physical(of: node))
            return carryOut(directives, node: node)
        case let .write(node, key, kind):
            guard nodes[node].isUp else { return nil }
            trace(3, node, key, 0)
            return clientWrite(node: node, key: key, kind: kind)
        case let .fault(fault):
            return apply(fault)
        case let .rediscover(node, generation):
            guard nodes[node].isUp, nodes[node].generation == generation else { return nil }
            nodes[node].engine.setPeers(nodes.map(\.id))
            return carryOut(nodes[node].engine.startRound(with: randomPeer(of: node), now: physical(of: node)), node: node)
        case .checkInvariants:
            return checkInvariants()
        case .endFaultPhase:
            return endFaultPhase()
        }
    }

    private mutating func clientWrite(node: Int, key: Int, kind: WriteKind) -> String? {
        let physical = physical(of: node)
        let keyBytes = Array("key-\(key)".utf8)
        var value: [UInt8]? = Array("v\(seed % 1000)-\(steps)".utf8)
        var expiry: HLCTimestamp?
        switch kind {
        case .put: break
        case .delete: value = nil
        case let .putExpiring(after): expiry = HLCTimestamp(physical: physical + after)
        }
        do {
            let entry = try nodes[node].engine.write(keyBytes, value: value, expiry: expiry, now: physical)
            history.record(entry)
        } catch {
            return "a valid write was refused: \(error)"
        }
        return noteClock(node) ?? rescheduleTick(node)
    }

    private mutating func carryOut(_ directives: [GossipDirective], node: Int) -> String? {
        for directive in directives {
            guard case let .send(message, to: peer) = directive else { continue }
            guard let target = indexByID[peer] else { continue }
            if let problem = send(message, from: node, to: target) { return problem }
        }
        return noteClock(node) ?? rescheduleTick(node)
    }

    /// Seals `message` as the node would: a datagram when it fits, the stream otherwise. Stream
    /// frames are neither lost nor duplicated and keep their order (TCP); datagrams may be lost,
    /// duplicated and reordered.
    private mutating func send(_ message: GossipMessage, from: Int, to: Int) -> String? {
        let limits = options.gossip.limits
        let channel: WireChannel =
            message.encodedBodySize + WireSize.envelopeOverhead(authenticatorLength: 8) <= limits.maxDatagramBytes
            ? .gossipDatagram : .stream
        let header = EnvelopeHeader(
            kind: message.kind, cluster: SimulatedNode.cluster, sender: nodes[from].id, recipient: nodes[to].id,
            bootEpoch: nodes[from].bootEpoch, channel: channel, sequence: nodes[from].sequence(for: channel),
            hlc: nodes[from].engine.replica.readTime(physical: physical(of: from)))
        let envelope: [UInt8]
        do {
            envelope = try Envelope.seal(
                header: header, message: message, signer: SimulatedAuthenticator(sender: nodes[from].id, knownSenders: []),
                limits: limits)
        } catch {
            return "the engine produced a message the codec refused: \(error)"
        }
        messagesSent += 1
        bytesSent += envelope.count
        if channel == .stream {
            guard network.allows(from: from, to: to) else { return nil }
            let delay = network.delay(min: options.minimumDelayMilliseconds, max: options.maximumDelayMilliseconds)
            let time = network.streamDeliveryTime(from: from, to: to, notBefore: now + delay)
            schedule(.deliver(from: from, to: to, generation: nodes[to].generation, envelope: envelope, channel: channel), at: time)
            return nil
        }
        let copies = network.copies(from: from, to: to, faultsActive: faultsActive,
                                    loss: options.lossProbability, duplication: options.duplicationProbability)
        for _ in 0..<copies {
            let delay = network.delay(min: options.minimumDelayMilliseconds, max: options.maximumDelayMilliseconds)
            schedule(.deliver(from: from, to: to, generation: nodes[to].generation, envelope: envelope, channel: channel),
                     at: now + delay)
        }
        return nil
    }

    private mutating func scheduleTick(_ node: Int) {
        _ = rescheduleTick(node)
    }

    /// Queues a tick at the engine's next deadline, unless an earlier one is already queued.
    mutating func rescheduleTick(_ node: Int) -> String? {
        guard nodes[node].isUp else { return nil }
        let physicalNow = physical(of: node)
        let wanted = nodes[node].engine.nextTickAt
        guard wanted != .max else { return nil }
        // Engine deadlines are in the node's clock; convert back to simulated time.
        let delay = wanted > physicalNow ? wanted - physicalNow : 0
        let time = now + max(delay, 1)
        if time < nodes[node].queuedTickAt {
            nodes[node].queuedTickAt = time
            schedule(.tick(node: node, generation: nodes[node].generation), at: time)
        }
        return nil
    }

    private func physical(of node: Int) -> UInt64 { nodes[node].physical(at: now, start: start) }

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
