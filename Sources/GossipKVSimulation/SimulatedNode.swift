import GossipKVCore

/// One simulated node: the real `NodeCore` (the `GossipEngine` and, when the options ask for
/// it, the `Membership`, composed for the node itself), plus what the simulator tracks
/// about it. A crash keeps only what storage
/// persists (map, watermarks, HLC); peers, the membership view, timers and in-flight messages
/// are gone.
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
    /// What a crash that loses unsynced data leaves: the replica as last synced, and when.
    var durable: Replica?
    var syncedAt: UInt64 = 0
    /// The highest HLC this node ever issued, across restarts (to check monotonicity).
    var highestClock = HLCTimestamp.zero
    /// This life's boot epoch, envelope opener (replay windows) and per-channel sequence numbers:
    /// all lost on a crash, as in a real process.
    var bootEpoch = HLCTimestamp.zero
    var opener: EnvelopeOpener
    var nextSequence: [WireChannel: UInt64] = [:]
    /// Envelopes refused by the opener, by reason (duplicates land here as replays), and what
    /// the core refused (`NodeCoreRejection.label`: the engine's reasons, and membership
    /// messages the state machine ignored as `membership_` and the drop's label).
    var rejections: [String: Int] = [:]
    /// Set for a Byzantine member (`SimulationOptions.byzantineNodes`): what it overheard and
    /// the generator of its lies. Nil for an honest node.
    var liar: ByzantinePeer?

    var isHonest: Bool { liar == nil }

    static let cluster = NodeID(high: 0x5349_4D55_4C41_5445, low: 0x4455_5354_4552_0001)

    init(id: NodeID, index: Int, engine: GossipEngine, clock: SimulatedClock) {
        self.id = id
        self.address = Self.address(ofNode: index)
        self.core = NodeCore(engine: engine)
        self.clock = clock
        self.opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
    }

    /// Starts a new life at simulated time `time`: new boot epoch, empty replay windows,
    /// sequence numbers from zero.
    mutating func boot(epoch: HLCTimestamp, at time: UInt64) {
        bootEpoch = epoch
        upSince = time
        crashedAt = nil
        opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
        nextSequence = [:]
    }

    /// A synthetic address per node index: 10.0.x.y, the default gossip and client ports.
    static func address(ofNode index: Int) -> MemberAddress {
        let host = 0x0A00_0000 | (UInt32(truncatingIfNeeded: index + 1) & 0xFFFF)
        return MemberAddress(host: .ipv4(host), gossipPort: 7377, clientPort: 7379)
    }

    mutating func sequence(for channel: WireChannel) -> UInt64 {
        let next = nextSequence[channel, default: 0]
        nextSequence[channel] = next + 1
        return next
    }

    func physical(at time: UInt64, start: UInt64) -> UInt64 {
        UInt64(max(0, Int64(time) + clock.offset(elapsed: time - start)))
    }
}
