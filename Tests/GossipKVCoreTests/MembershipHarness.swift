import GossipKVCore

/// A deterministic network of `Membership` instances: a manual clock, a delivery queue with
/// random latency and loss, directed link blocks (partitions), and nodes that can be stopped and
/// restarted. Everything random comes from one seed, so a run replays exactly.
///
/// It drives the production state machines only through their public API (`tick`, `receive`,
/// `addMember`, `leave`), the way a shell does. The deterministic simulator drives them the same
/// way but composed with the engine, over sealed envelopes (`Simulation+Membership.swift`);
/// this harness stays the lighter bench for membership alone: plain messages, exact control of
/// links and pauses. Every directive is kept in `log` for the tests to read.
///
/// Every message carries its sender's clock at sending (`HLCTimestamp(physical: now)`: the
/// harness has one clock), and an `.introduce` is carried out as the announcement exchange it
/// starts in the node: the stranger admits the introducer at its boot epoch and answers, and
/// the introducer admits the stranger, each only if the link between them delivers.
struct MembershipHarness {
    struct Delivery {
        var at: UInt64
        /// Tie-break among deliveries due at the same time: send order.
        var order: UInt64
        var from: NodeID
        var to: NodeID
        var message: SWIMMessage
        var senderClock: HLCTimestamp
    }

    struct Event: Equatable {
        var time: UInt64
        var node: NodeID
        var directive: MembershipDirective
    }

    struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    let config: MembershipConfig
    private(set) var nodes: [NodeID: Membership] = [:]
    /// Each node's boot epoch in this run: the incarnation its announcement offers.
    private(set) var bootEpochs: [NodeID: UInt64] = [:]
    private(set) var stopped: Set<NodeID> = []
    private(set) var now: UInt64
    private(set) var log: [Event] = []
    /// Problems of the state machines themselves (a tick that leaves its timer in the past).
    private(set) var violations: [String] = []
    private(set) var sent = 0
    private(set) var lost = 0
    /// Messages dropped, in parts per million.
    var lossPerMillion: UInt64 = 0
    var latency: ClosedRange<UInt64> = 1...5
    /// Directed links that deliver nothing.
    var blocked: Set<Link> = []
    /// What each node passes as its current anti-entropy summary.
    var summaries: [NodeID: SyncSummary] = [:]

    private var pending: [Delivery] = []
    private var nextOrder: UInt64 = 0
    private var random: SplitMix64

    static let start: UInt64 = 1_764_000_000_000

    static func id(_ number: Int) -> NodeID { NodeID(high: UInt64(number), low: 0xAB) }

    static func address(_ number: Int) -> MemberAddress {
        MemberAddress(
            host: .ipv4(0x7F00_0001), gossipPort: UInt16(7100 + number), clientPort: UInt16(7000 + number))
    }

    /// Nodes 1...count, each started at `start` with its boot epoch at that time; nobody knows
    /// anybody until a `connect` call or an `addMember`.
    init(count: Int, config: MembershipConfig = MembershipConfig(), seed: UInt64 = 1) {
        self.config = config
        self.now = Self.start
        self.random = SplitMix64(seed: seed)
        for number in 1...max(1, count) { boot(number) }
    }

    var ids: [NodeID] { nodes.keys.sorted() }

    var runningIDs: [NodeID] { ids.filter { !stopped.contains($0) } }

    /// Starts (or restarts, with a fresh state and a new boot epoch) node `number` now.
    mutating func boot(_ number: Int) {
        let id = Self.id(number)
        stopped.remove(id)
        bootEpochs[id] = HLCTimestamp(physical: now).rawValue
        nodes[id] = Membership(
            localID: id, localAddress: Self.address(number), bootEpoch: HLCTimestamp(physical: now),
            config: config, seed: random.next(), now: now)
    }

    /// Full discovery: every running node admits every other one, as multicast would.
    mutating func connectAll() {
        for a in runningIDs {
            for b in runningIDs where a != b { _ = addMember(b, to: a) }
        }
    }

    /// Node `observer` admits `member` at the member's current incarnation.
    @discardableResult
    mutating func addMember(_ member: NodeID, to observer: NodeID) -> AddMemberResult? {
        guard let known = nodes[member]?.localMember, var node = nodes[observer] else { return nil }
        let result = node.addMember(member, address: known.address, incarnation: known.incarnation, now: now)
        nodes[observer] = node
        return result
    }

    /// The node neither receives (messages to it are lost) nor ticks: a crash, or a pause.
    mutating func stop(_ id: NodeID) { stopped.insert(id) }

    /// Ends a pause: the node carries on with the state it had, its overdue timers fire at once.
    mutating func resume(_ id: NodeID) { stopped.remove(id) }

    /// Blocks both directions between `a` and `b`.
    mutating func cut(_ a: NodeID, _ b: NodeID) {
        blocked.insert(Link(from: a, to: b))
        blocked.insert(Link(from: b, to: a))
    }

    /// Applies `operation` to node `id` now and routes what it returns.
    mutating func act(_ id: NodeID, _ operation: (inout Membership, UInt64) -> [MembershipDirective]) {
        guard var node = nodes[id] else { return }
        let output = operation(&node, now)
        nodes[id] = node
        handle(output, from: id)
    }

    /// Runs the network until `end` (inclusive): deliveries and ticks in time order; at equal
    /// times deliveries first (in send order), then ticks in id order.
    mutating func run(until end: UInt64) {
        while true {
            let nextDelivery = pending.first?.at ?? .max
            let nextTick = runningIDs.compactMap { nodes[$0]?.nextTickAt }.min() ?? .max
            let next = max(now, min(nextDelivery, nextTick))
            guard next <= end else { break }
            now = next
            while let first = pending.first, first.at <= now {
                pending.removeFirst()
                deliver(first)
            }
            for id in runningIDs {
                guard var node = nodes[id], node.nextTickAt <= now else { continue }
                let output = node.tick(now: now, summary: summaries[id])
                if node.nextTickAt <= now {
                    violations.append("\(id) asks for a tick at \(node.nextTickAt) after ticking at \(now)")
                    stopped.insert(id)
                }
                nodes[id] = node
                handle(output, from: id)
            }
        }
        now = max(now, end)
    }

    mutating func run(for duration: UInt64) { run(until: now + duration) }

    /// Runs until `condition` holds (checked after every step of `step` ms) or `limit` passes;
    /// returns the time it first held, or nil.
    mutating func run(for limit: UInt64, step: UInt64 = 10, until condition: (Self) -> Bool) -> UInt64? {
        let end = now + limit
        while now < end {
            if condition(self) { return now }
            run(until: min(end, now + step))
        }
        return condition(self) ? now : nil
    }

    private mutating func deliver(_ delivery: Delivery) {
        guard !stopped.contains(delivery.to), var node = nodes[delivery.to] else { return }
        let output = node.receive(
            delivery.message, from: delivery.from, senderClock: delivery.senderClock, now: now,
            summary: summaries[delivery.to])
        nodes[delivery.to] = node
        handle(output, from: delivery.to)
    }

    private mutating func handle(_ directives: [MembershipDirective], from id: NodeID) {
        for directive in directives {
            log.append(Event(time: now, node: id, directive: directive))
            if case let .introduce(stranger, _) = directive {
                introduce(id, to: stranger)
                continue
            }
            guard case let .send(message, to) = directive else { continue }
            sent += 1
            if blocked.contains(Link(from: id, to: to)) || random.next() % 1_000_000 < lossPerMillion {
                lost += 1
                continue
            }
            let delay = latency.lowerBound + random.next() % (latency.upperBound - latency.lowerBound + 1)
            let delivery = Delivery(
                at: now + delay, order: nextOrder, from: id, to: to, message: message,
                senderClock: HLCTimestamp(physical: now))
            nextOrder += 1
            let index =
                pending.firstIndex { ($0.at, $0.order) > (delivery.at, delivery.order) } ?? pending.endIndex
            pending.insert(delivery, at: index)
        }
    }

    /// `id`'s announcement reaches `stranger` (if the link delivers and it runs), which admits
    /// it and answers with its own, which `id` admits (if the way back delivers). Introductions
    /// count as sent messages.
    private mutating func introduce(_ id: NodeID, to stranger: NodeID) {
        introductions += 1
        guard !stopped.contains(stranger), nodes[stranger] != nil,
            !blocked.contains(Link(from: id, to: stranger))
        else { return }
        admit(id, by: stranger)
        guard !blocked.contains(Link(from: stranger, to: id)) else { return }
        admit(stranger, by: id)
    }

    /// `observer` handles `member`'s announcement (its boot epoch as the incarnation).
    private mutating func admit(_ member: NodeID, by observer: NodeID) {
        guard let known = nodes[member]?.localMember, let epoch = bootEpochs[member],
            var node = nodes[observer]
        else { return }
        let result = node.addMember(member, address: known.address, incarnation: epoch, now: now)
        var output: [MembershipDirective] = []
        switch result {
        case .alreadyKnown, .newerIncarnationKnown:
            output = node.heardFrom(member, now: now, summary: summaries[observer])
        default: break
        }
        nodes[observer] = node
        handle(output, from: observer)
    }

    /// Announcement exchanges started by `.introduce` directives.
    private(set) var introductions = 0

    // MARK: Reading views

    func view(of observer: NodeID, about member: NodeID) -> Member? { nodes[observer]?.member(member) }

    /// Whether every running node other than `member` sees it in `state`.
    func everyoneSees(_ member: NodeID, as state: Member.State) -> Bool {
        runningIDs.filter { $0 != member }.allSatisfy { view(of: $0, about: member)?.state == state }
    }

    /// Whether every running node sees every running node alive.
    var allAlive: Bool {
        runningIDs.allSatisfy { observer in
            runningIDs.allSatisfy { view(of: observer, about: $0)?.state == .alive }
        }
    }

    /// The `memberChanged` events about `member`, in order.
    func changes(about member: NodeID) -> [(
        time: UInt64, observer: NodeID, member: Member, previous: Member.State?
    )] {
        log.compactMap { event in
            guard case let .memberChanged(changed, previous) = event.directive, changed.id == member else {
                return nil
            }
            return (event.time, event.node, changed, previous)
        }
    }

    /// Every message sent, with its sender.
    var sends: [(time: UInt64, from: NodeID, to: NodeID, message: SWIMMessage)] {
        log.compactMap { event in
            guard case let .send(message, to) = event.directive else { return nil }
            return (event.time, event.node, to, message)
        }
    }
}
