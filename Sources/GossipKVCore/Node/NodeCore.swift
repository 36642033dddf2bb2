/// THE composition of a node: the anti-entropy engine (`GossipEngine`) and SWIM membership
/// (`Membership`) wired together in one sans-IO state machine. Events go in (a received
/// message, an admitted announcement, a write, a tick), `NodeCoreDirective`s come out. The NIO
/// node (`GossipKVNode.Node`) and the deterministic simulator (`GossipKVSimulation`) both drive
/// this very type and only carry out its directives, so the simulator tests the production
/// wiring rather than a copy of it. Nothing else may wire the engine to the membership.
///
/// The wiring:
/// - the engine's peers are the active members of the view, itself excluded: a member change
///   updates them before it is reported, and a member that becomes active (admitted, renewed,
///   back from dead) gets a round at once, since both sides may have written;
/// - SWIM messages pass the engine's clock check first (DESIGN, "Data model and ordering": one
///   bad clock must not poison the cluster), then reach the membership with the engine's
///   current summary for its acks; a summary riding on a ping or ack goes to the engine as
///   `.syncSummary`, with the envelope's HLC;
/// - any other authenticated message proves its sender runs: one held dead is asked to refute
///   (`Membership.heardFrom`, Lifeguard-style revival);
/// - a tick runs the engine's timers, then the membership's with the engine's summary on its
///   probes (SWIM, Das et al. 2002, piggybacking anti-entropy on the failure detector);
/// - every message to send leaves encoded and framed (`OutboundFraming`: its channel, chosen
///   by the real sealed size, and its sequence number under this run's boot epoch), so the
///   shell only signs and writes it;
/// - the shell reports what its disk holds through one input, `markDurable`: only that digest
///   is advertised, and only it counts as this node's own coverage for garbage collection.
///
/// Without a membership (`init(engine:)`: the simulator's engine-only runs) the peers are
/// static (`setPeers`) and the membership inputs do nothing beyond the clock check.
public struct NodeCore: Sendable {
    public internal(set) var engine: GossipEngine
    public internal(set) var membership: Membership?
    /// Which probes and acks carry the summary; nil: all of them.
    var summaryPacing: SummaryPacing?
    /// Sequence numbers and channel choice of what this node sends.
    public internal(set) var framing: OutboundFraming

    /// A node running SWIM: the engine's peers start as the view's active members. `framing`
    /// MUST be new for this run (its boot epoch, the membership's incarnation, sequences from 0).
    public init(engine: GossipEngine, membership: Membership, framing: OutboundFraming) {
        self.engine = engine
        self.membership = membership
        self.framing = framing
        self.summaryPacing = membership.config.summaryRefreshMilliseconds.map(
            SummaryPacing.init(refreshMilliseconds:))
        self.engine.setPeers(activeMemberIDs)
    }

    /// An engine without membership: static peers (`setPeers`).
    public init(engine: GossipEngine, framing: OutboundFraming) {
        self.engine = engine
        self.membership = nil
        self.framing = framing
    }

    // MARK: Reading

    /// The membership view (empty without membership).
    public var members: [Member] { membership?.members ?? [] }

    public func member(_ id: NodeID) -> Member? { membership?.member(id) }

    /// The earliest deadline of the engine and the membership: the shell MUST tick by then.
    public var nextTickAt: UInt64 { min(engine.nextTickAt, membership?.nextTickAt ?? .max) }

    var activeMemberIDs: [NodeID] {
        members.filter { $0.state.isActive && $0.id != engine.replica.id }.map(\.id)
    }

    // The three reads below are `mutating` though they change nothing: the node keeps its core
    // in an actor's stored property, and a non-mutating call on a class's stored property first
    // copies the whole struct out (an instantaneous read access, so the callee may touch the
    // class meanwhile): a retain and release per field of the core and its replica, ~1 % of a
    // node's CPU on every GET and SET. A mutating call borrows the property in place.

    /// The value a read sees at wall-clock time `now` (`Replica.get`), read in place.
    public mutating func get(_ key: [UInt8], now: UInt64) -> [UInt8]? {
        engine.replica.get(key, physical: now)
    }

    /// How many entries the map holds, tombstones included, read in place.
    public var entryCount: Int { mutating get { engine.replica.map.count } }

    /// `nextTickAt`, read in place.
    public var nextTickDeadline: UInt64 { mutating get { nextTickAt } }

    // MARK: Engine-only inputs

    /// A local write (`GossipEngine.write`): applied at once, pushed within the push window.
    public mutating func write(
        _ key: [UInt8], value: [UInt8]?, expiry: HLCTimestamp? = nil, now: UInt64
    ) throws(WriteError) -> Entry {
        try engine.write(key, value: value, expiry: expiry, now: now)
    }

    /// The shell's durability acknowledgement: `digest` is fsynced (the watermark record that
    /// carries it, and every entry before it). The node advertises no more than this, and
    /// collects garbage only under it (`GossipEngine.markDurable`). The shell MUST report only
    /// what is on disk; in-memory digests never count.
    public mutating func markDurable(_ digest: Digest) {
        engine.markDurable(digest)
    }

    /// Frames a message the shell composes itself (an announcement) on `channel`, with the next
    /// sequence number of that channel and the node's clock at `now`.
    public mutating func frame(
        kind: MessageKind, body: [UInt8], to recipient: NodeID, channel: WireChannel, now: UInt64
    ) -> OutboundFrame {
        framing.frame(
            kind: kind, body: body, to: recipient, channel: channel,
            hlc: engine.replica.readTime(physical: now))
    }

    /// Frames a unicast message the shell composes itself on the channel its size picks.
    public mutating func frame(kind: MessageKind, body: [UInt8], to recipient: NodeID, now: UInt64)
        -> OutboundFrame
    {
        framing.frame(kind: kind, body: body, to: recipient, hlc: engine.replica.readTime(physical: now))
    }

    /// The clock check of a message the core does not otherwise handle (an announcement):
    /// false means the shell MUST drop it and count `GossipRejection.messageClockTooFarAhead`.
    public mutating func observeClock(_ senderClock: HLCTimestamp, now: UInt64) -> Bool {
        engine.observeClock(senderClock, now: now)
    }

    /// The shell's monotonic clock at an input (a received message or a tick), told before
    /// the input itself: how the clock fence tells a stall of this process from a clock step
    /// (`GossipEngine.noteRunTime`).
    public mutating func noteRunTime(monotonic: UInt64, now: UInt64) {
        engine.noteRunTime(monotonic: monotonic, now: now)
    }

    /// Static peers, for a core without membership. With membership the peers follow the view,
    /// and this MUST NOT be called.
    public mutating func setPeers(_ peers: some Sequence<NodeID>) {
        precondition(membership == nil, "with membership, the engine's peers follow the view")
        engine.setPeers(peers)
    }

    /// Opens an anti-entropy round with `peer` now.
    public mutating func startRound(with peer: NodeID, now: UInt64) -> [NodeCoreDirective] {
        route(engine.startRound(with: peer, now: now), now: now)
    }
}
