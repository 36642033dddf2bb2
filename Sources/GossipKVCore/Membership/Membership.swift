/// The membership and failure-detection state machine of one node: SWIM with suspicion (Das et
/// al. 2002) and Lifeguard's local health (Dadgar et al. 2017). Sans-I/O in the manner of
/// swift-cluster-membership's `SWIM.Instance` and foca: inputs are a received message, a tick,
/// a discovered member or a leave; outputs are `MembershipDirective`s, and `nextTickAt` says
/// when the shell must call `tick` again. Randomness comes from the seeded generator given at
/// init and time from the `now` arguments (physical milliseconds), so a seed replays a run.
///
/// The protocol, every probe interval (`Membership+Probing.swift`): ping the next member of a
/// shuffled round-robin; with no ack within the probe timeout, ask `k` others to ping it
/// (ping-request) and relay its ack; with no ack by the end of the interval, suspect it. A
/// suspicion not refuted within the suspicion timeout becomes a death. A member that hears it is
/// suspected or dead refutes by raising its incarnation. Every change is gossiped by
/// piggybacking on the probes themselves (`Membership+Updates.swift`).
///
/// The shell's duties: it MUST call `tick` at `nextTickAt` and pass each received SWIM message
/// to `receive`, both with the node's current anti-entropy summary; it MUST hand `.summary`
/// directives to the `GossipEngine` and keep the engine's peers in step with `.memberChanged`.
/// Discovery calls `addMember` for a stranger it admits (its own signed announcement): gossip
/// never inserts a member, it only asks the shell to `.introduce` itself to one. The shell MUST
/// check a message's HLC against the max clock offset before `receive` (as
/// `GossipEngine.receive` does) and pass it as `senderClock`: updates are bounded by it. It
/// SHOULD call `heardFrom` for every other authenticated message (anti-entropy, announcements),
/// so that a member declared dead that still talks to us learns it and refutes. Anti-entropy
/// messages MAY carry `piggyback(max:)`'s updates; their receiver passes them to
/// `apply(_:from:senderClock:now:)`.
public struct Membership: Sendable {
    struct Record: Sendable {
        var member: Member
        /// When a suspicion becomes a death; set exactly while the member is `suspect`, so a
        /// refutation or a death cancels the timer with no token needed.
        var suspicionDeadline: UInt64?
    }

    /// The probe of the current protocol period. Its sequence number is the timer token: acks
    /// and nacks for an earlier probe no longer match.
    struct Probe: Sendable {
        var sequence: UInt64
        var target: NodeID
        /// When to fall back to indirect probes; nil once sent (or once acked).
        var indirectAt: UInt64?
        var relays: [NodeID] = []
        var nacks: Set<NodeID> = []
        var acked = false
    }

    /// An indirect probe this node runs for `origin`, keyed by the sequence number of our ping.
    struct Relay: Sendable {
        var origin: NodeID
        var originSequence: UInt64
        var target: NodeID
        /// When to nack if the target has not answered; nil once the nack went out.
        var nackAt: UInt64?
        /// A late ack is still relayed until then.
        var expiresAt: UInt64
    }

    public let localID: NodeID
    public let config: MembershipConfig
    /// Lifeguard's local health counter, 0...`maxLocalHealth`: raised by failed probes with
    /// missing nacks and by refuting a suspicion of ourselves, lowered by every acked probe.
    public internal(set) var localHealth = 0

    /// This node as it describes itself to others.
    public internal(set) var localMember: Member
    /// Every other member ever known.
    var records: [NodeID: Record] = [:]
    var broadcasts = BroadcastQueue()
    var probeOrder = ProbeOrder()
    var random: SplitMix64
    var lastSequence: UInt64
    var probe: Probe?
    var nextProbeAt: UInt64
    var relays: [UInt64: Relay] = [:]
    /// Sequence numbers of pings that are not probes (greetings, reconnects): their acks are
    /// expected, not counted as drops. Bounded; the oldest are forgotten.
    var courtesyPings: [UInt64] = []
    /// Members that may not know us yet (we just learned of them, or of their return): our own
    /// record rides on what we send them until they ping us, which proves they can address us.
    /// Without it a node that joins late would never hear of a stable member whose news has
    /// long left every broadcast queue, even while that member pings it.
    var introductions: Set<NodeID> = []
    var nextReconnectAt: UInt64?
    /// When a revival last made us ping the other dead members (`reconnectBurst`).
    var lastReconnectBurstAt: UInt64?
    /// Members named in gossip that we do not know, with when we last asked the shell to
    /// introduce us to them. At most `config.maxPendingStrangers`; entries older than
    /// `config.strangerRetryMilliseconds` make room.
    var strangers: [NodeID: UInt64] = [:]
    /// When we last pinged each dead member that talked to us (`heardFrom`): at most one such
    /// ping per probe interval per member, whatever it sends.
    var revivalPingAt: [NodeID: UInt64] = [:]
    /// Members removed for good (`exclude`): never re-added, whatever others report.
    public internal(set) var excluded: Set<NodeID> = []

    /// - Parameters:
    ///   - bootEpoch: this run's boot epoch (the HLC at start). It is the first incarnation, so
    ///     that a restarted node outranks every report about its previous run.
    ///   - seed: the only source of randomness; the shell seeds it from the system generator in
    ///     production and from the schedule seed in simulation.
    public init(
        localID: NodeID, localAddress: MemberAddress, bootEpoch: HLCTimestamp,
        config: MembershipConfig = MembershipConfig(), seed: UInt64, now: UInt64
    ) {
        self.localID = localID
        self.config = config
        var random = SplitMix64(seed: seed)
        // A random start keeps a restarted node's sequence numbers away from its previous run's.
        self.lastSequence = random.next()
        // Start probing at a random point of the first interval, so that nodes started together
        // do not probe in lockstep.
        self.nextProbeAt = now.addingSaturating(random.next() % max(1, config.probeIntervalMilliseconds))
        // A random phase for reconnects too: nodes healed together should not all reconnect at
        // one instant.
        let reconnectPhase = random.next()
        self.nextReconnectAt = config.reconnectIntervalMilliseconds.map {
            now.addingSaturating(1 + reconnectPhase % max(1, $0))
        }
        self.random = random
        self.localMember = Member(
            id: localID, address: localAddress, incarnation: bootEpoch.rawValue, state: .alive,
            lastHeardAt: now)
        // Our own "alive" is the first news we spread: it is how seeds learn our address.
        broadcasts.enqueue(localMember.update)
    }

    // MARK: Reading the view

    /// Every known member, this node included, dead and left ones too, in id order.
    public var members: [Member] { (records.values.map(\.member) + [localMember]).sorted { $0.id < $1.id } }

    public func member(_ id: NodeID) -> Member? { id == localID ? localMember : records[id]?.member }

    public var incarnation: UInt64 { localMember.incarnation }

    /// True once `leave(now:)` was called: the node no longer probes or relays.
    public var hasLeft: Bool { localMember.state == .left }

    /// When the shell must call `tick` next (physical milliseconds); `UInt64.max` for never.
    public var nextTickAt: UInt64 {
        var next = hasLeft ? UInt64.max : nextProbeAt
        if let indirectAt = probe?.indirectAt { next = min(next, indirectAt) }
        for relay in relays.values {
            next = min(next, relay.nackAt ?? relay.expiresAt, relay.expiresAt)
        }
        var anyDead = false
        for record in records.values {
            if let deadline = record.suspicionDeadline { next = min(next, deadline) }
            if record.member.state == .dead { anyDead = true }
        }
        // Reconnect pings only matter while some member is dead; an overdue one fires at once.
        if let nextReconnectAt, !hasLeft, anyDead { next = min(next, nextReconnectAt) }
        return next
    }

    // MARK: Inputs

    /// Admits a member found by discovery (an announcement, a `--join` seed, or a member list a
    /// seed sent back). A new member is probed from the next pass on and gossiped as alive.
    public mutating func addMember(
        _ id: NodeID, address: MemberAddress, incarnation: UInt64, now: UInt64
    ) -> AddMemberResult {
        guard id != localID else { return .isSelf }
        guard !excluded.contains(id) else { return .excluded }
        strangers[id] = nil
        guard var record = records[id] else {
            insertMember(Member(id: id, address: address, incarnation: incarnation, state: .alive))
            return .added
        }
        let known = record.member
        if incarnation < known.incarnation { return .newerIncarnationKnown(known.incarnation) }
        if incarnation == known.incarnation { return .alreadyKnown(known.state) }
        record.member.incarnation = incarnation
        record.member.state = .alive
        record.member.address = address
        record.suspicionDeadline = nil
        records[id] = record
        broadcasts.enqueue(record.member.update)
        introductions.insert(id)
        return .renewed(previous: known.state)
    }

    /// Handles a message from `sender` whose envelope carried `senderClock` (the shell MUST have
    /// refused it already if that clock is beyond the max offset). `summary` is this node's
    /// current anti-entropy summary, put on the ack a ping gets (and on a relayed ack).
    public mutating func receive(
        _ message: SWIMMessage, from sender: NodeID, senderClock: HLCTimestamp, now: UInt64,
        summary: SyncSummary?
    ) -> [MembershipDirective] {
        guard sender != localID else { return [.dropped(.fromSelf, from: sender)] }
        switch message {
        case .ping, .pingRequest: introductions.remove(sender)
        case .ack, .nack: break
        }
        // Updates first: a refutation riding on an ack must land before the ack is judged, and
        // news about ourselves must be refuted before our answer is built.
        var directives = apply(message.updates, from: sender, senderClock: senderClock, now: now)
        records[sender]?.member.lastHeardAt = now
        if let theirs = message.summary { directives.append(.summary(theirs, from: sender)) }
        switch message {
        case let .ping(sequence, _, _):
            directives.append(
                .send(.ack(sequence: sequence, updates: piggyback(for: sender), summary: summary), to: sender)
            )
        case let .ack(sequence, _, _):
            directives += receiveAck(sequence, from: sender, now: now, summary: summary)
        case let .pingRequest(sequence, target, _):
            directives += receivePingRequest(
                sequence, target: target, from: sender, now: now, summary: summary)
        case let .nack(sequence):
            directives += receiveNack(sequence, from: sender)
        }
        return directives + heardFrom(sender, now: now, summary: summary)
    }

    /// `sender` proved that it runs and reaches us: an authenticated message or announcement came
    /// from it. If we hold it dead, it does not know (or its refutation has not reached us): we
    /// ping it with its death notice on top, so that it refutes and its ack brings the new
    /// incarnation back (this ping also tells it that we are alive, should it hold us dead).
    /// We do not revive it on our own: `dead` at its incarnation outranks `alive` at the same
    /// one, and others would kill it again; its refutation revives it everywhere. At most one
    /// such ping per probe interval per member. The shell calls this for messages other than
    /// SWIM ones; `receive` does it itself.
    public mutating func heardFrom(_ sender: NodeID, now: UInt64, summary: SyncSummary?)
        -> [MembershipDirective]
    {
        guard !hasLeft, let record = records[sender], record.member.state == .dead else { return [] }
        let interval = max(1, config.probeIntervalMilliseconds)
        if let last = revivalPingAt[sender], now < last.addingSaturating(interval) { return [] }
        if revivalPingAt.count >= 256 {
            revivalPingAt = revivalPingAt.filter { now < $0.value.addingSaturating(interval) }
        }
        revivalPingAt[sender] = now
        return [courtesyPing(to: sender, summary: summary)]
    }

    /// Runs whatever timers are due: relay nacks, indirect probes, suspicion timeouts, the end of
    /// a probe period and the start of the next, reconnect pings. `summary` rides on the pings.
    public mutating func tick(now: UInt64, summary: SyncSummary?) -> [MembershipDirective] {
        var directives = expireRelays(now: now)
        directives += sendIndirectProbesIfDue(now: now)
        directives += expireSuspicions(now: now)
        if !hasLeft && now >= nextProbeAt {
            directives += finishProbe(now: now, summary: summary)
            directives += startProbe(now: now, summary: summary)
        }
        if !hasLeft, let reconnectAt = nextReconnectAt, now >= reconnectAt {
            directives += reconnect(now: now, summary: summary)
        }
        return directives
    }

    /// Leaves the cluster gracefully: raises our incarnation, marks ourselves `left`, and sends
    /// the news at once to `k` alive members (on a ping, so they gossip it on). Afterwards the
    /// node stops probing and relaying but still answers pings, each answer carrying its leave.
    /// The shell SHOULD keep the node running for a few probe intervals, then stop it.
    public mutating func leave(now: UInt64) -> [MembershipDirective] {
        guard !hasLeft else { return [] }
        let previous = localMember.state
        localMember.incarnation = localMember.incarnation.addingSaturating(1)
        localMember.state = .left
        probe = nil
        broadcasts.enqueue(localMember.update)
        var directives: [MembershipDirective] = [.memberChanged(localMember, previous: previous)]
        for peer in randomMembers(config.indirectChecks, excluding: []) {
            directives.append(
                .send(.ping(sequence: makeSequence(), updates: piggyback(for: peer), summary: nil), to: peer))
        }
        return directives
    }

    // MARK: Helpers

    mutating func makeSequence() -> UInt64 {
        lastSequence &+= 1
        return lastSequence
    }

    /// A ping that is not a probe: no timeout, no suspicion; only its ack is expected.
    mutating func courtesyPing(to peer: NodeID, summary: SyncSummary?) -> MembershipDirective {
        let sequence = makeSequence()
        courtesyPings.append(sequence)
        if courtesyPings.count > 64 { courtesyPings.removeFirst(courtesyPings.count - 64) }
        return .send(.ping(sequence: sequence, updates: piggyback(for: peer), summary: summary), to: peer)
    }

    /// Up to `count` distinct alive members other than us and `excluded`, chosen at random from
    /// the id-sorted list (so the choice depends only on the seed).
    mutating func randomMembers(_ count: Int, excluding excluded: [NodeID]) -> [NodeID] {
        var candidates = records.values
            .filter { $0.member.state == .alive && !excluded.contains($0.member.id) }
            .map(\.member.id)
            .sorted()
        let wanted = max(0, min(count, candidates.count))
        for index in 0..<wanted {
            let pick = index + Int(random.next() % UInt64(candidates.count - index))
            candidates.swapAt(index, pick)
        }
        return Array(candidates.prefix(wanted))
    }

    /// Removes `id` for good (its certificate was revoked): its record is dropped, it is no
    /// longer probed, asked to relay or gossiped about, and later reports and announcements
    /// about it are ignored. Returns a `memberChanged` to `dead` when it was known, so the shell
    /// drops it from the engine's peers as for any death.
    public mutating func exclude(_ id: NodeID) -> [MembershipDirective] {
        guard id != localID else { return [] }
        excluded.insert(id)
        introductions.remove(id)
        strangers[id] = nil
        revivalPingAt[id] = nil
        guard let record = records.removeValue(forKey: id) else { return [] }
        var gone = record.member
        gone.state = .dead
        return [.memberChanged(gone, previous: record.member.state)]
    }

    mutating func insertMember(_ member: Member) {
        strangers[member.id] = nil
        records[member.id] = Record(member: member)
        probeOrder.insert(member.id, random: &random)
        broadcasts.enqueue(member.update)
        introductions.insert(member.id)
    }
}
