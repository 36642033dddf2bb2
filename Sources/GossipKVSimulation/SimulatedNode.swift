import GossipKVCore

/// One simulated node: the real `NodeCore` (the `GossipEngine` and, when the options ask for
/// it, the `Membership`, composed for the node itself), plus what the simulator tracks
/// about it. A crash keeps only what its log gives back (`SimulatedLog`: map, watermarks, HLC
/// ceiling); peers, the membership view, timers and in-flight messages are gone.
struct SimulatedNode: Sendable {
    let id: NodeID
    /// Where the node says it can be reached; nothing routes by it (the simulator routes by
    /// index), but it travels in membership updates as a real address does.
    let address: MemberAddress
    /// This life's core: every input goes through it, as in the node.
    var core: NodeCore
    /// The core's engine, read-only.
    var engine: GossipEngine { core.engine }
    /// This life's SWIM state machine, read-only; nil when the simulation runs without membership.
    var membership: Membership? { core.membership }
    var clock: SimulatedClock
    var isUp = true
    /// Bumped by every crash, so that ticks and deliveries meant for an earlier life are dropped.
    var generation = 0
    /// When this life started, and when the node last went down (simulated time): for the
    /// death-detection check (`SimulationOptions.deathDetectionBoundMilliseconds`).
    var upSince: UInt64 = 0
    var crashedAt: UInt64?
    /// Time of the tick event currently queued for this node, if any.
    var queuedTickAt = UInt64.max
    /// Ever had a clock beyond the max offset: such a node may not lose its disk (after a disk
    /// loss a node only waits out the max offset, which would not cover that skew).
    var hadClockExcursion = false
    /// The node's physical time before which it must not write (`ReplicaStart`): a client
    /// write earlier waits, as `Node.put` does.
    var firstWriteNotBefore: UInt64 = 0
    /// The highest clock of the node's lives before it lost its disk: every later write must
    /// be ordered after it, or it would lose to the node's own earlier writes.
    var writeFloor = HLCTimestamp.zero
    /// The node's write-ahead log (`SimulatedLog`): what a restart recovers from.
    var log = SimulatedLog()
    /// The replica as of the last fsync, and when: what a returning node may bring back that
    /// others collected meanwhile (`History.noteZombies`).
    var durable: Replica?
    var syncedAt: UInt64 = 0
    /// The highest HLC this node ever issued, across restarts (to check monotonicity).
    var highestClock = HLCTimestamp.zero
    /// This life's envelope opener (replay windows): lost on a crash, as in a real process, with
    /// the core (its boot epoch and sequence numbers, `OutboundFraming`).
    var opener: EnvelopeOpener
    /// Envelopes refused by the opener, by reason (duplicates land here as replays), and what
    /// the core refused (`NodeCoreRejection.label`: the engine's reasons, and membership
    /// messages the state machine ignored as `membership_` and the drop's label).
    var rejections: [String: Int] = [:]
    /// Set for a Byzantine member (`SimulationOptions.byzantineNodes`): what it overheard and
    /// the generator of its lies. Nil for an honest node.
    var liar: ByzantinePeer?

    var isHonest: Bool { liar == nil }

    static let cluster = NodeID(high: 0x5349_4D55_4C41_5445, low: 0x4455_5354_4552_0001)

    /// A node whose first life boots at `bootEpoch` (its HLC at start), without membership yet.
    init(id: NodeID, index: Int, engine: GossipEngine, clock: SimulatedClock, bootEpoch: HLCTimestamp) {
        self.id = id
        self.address = Self.address(ofNode: index)
        self.core = NodeCore(
            engine: engine, framing: Self.framing(id: id, bootEpoch: bootEpoch, limits: engine.config.limits))
        self.clock = clock
        self.opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
    }

    /// This life's boot epoch (its HLC at start): the core's framing carries it.
    var bootEpoch: HLCTimestamp { core.framing.bootEpoch }

    /// A new life's framing, as the node makes it: the boot epoch, sequences from zero, the
    /// stand-in signer's length, which is the node's (`SimulatedAuthenticator`), and the sealed
    /// frame of a closed cluster around every envelope (`SimulatedAuthenticator.sealOverhead`).
    static func framing(id: NodeID, bootEpoch: HLCTimestamp, limits: Limits) -> OutboundFraming {
        OutboundFraming(
            cluster: cluster, sender: id, bootEpoch: bootEpoch,
            authenticatorLength: SimulatedAuthenticator.length,
            limits: limits, sealOverhead: SimulatedAuthenticator.sealOverhead)
    }

    /// Starts a new life at simulated time `time`: empty replay windows (the caller gives it a
    /// new core, with a new boot epoch and sequences from zero).
    mutating func boot(at time: UInt64) {
        upSince = time
        crashedAt = nil
        opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
    }

    /// A synthetic address per node index: 10.0.x.y, the default gossip and client ports.
    static func address(ofNode index: Int) -> MemberAddress {
        let host = 0x0A00_0000 | (UInt32(truncatingIfNeeded: index + 1) & 0xFFFF)
        return MemberAddress(host: .ipv4(host), gossipPort: 7377, clientPort: 7379)
    }

    func physical(at time: UInt64, start: UInt64) -> UInt64 {
        Self.physical(of: clock, at: time, start: start)
    }

    /// What `clock` reads at simulated time `time`.
    static func physical(of clock: SimulatedClock, at time: UInt64, start: UInt64) -> UInt64 {
        UInt64(max(0, Int64(time) + clock.offset(elapsed: time - start)))
    }
}
