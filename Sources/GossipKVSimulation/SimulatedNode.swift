import GossipKVCore

/// One simulated node: the real `GossipEngine` plus what the simulator tracks about it. A crash
/// keeps only what storage persists (map, watermarks, HLC); peers, timers and in-flight
/// messages are gone.
struct SimulatedNode: Sendable {
    let id: NodeID
    var engine: GossipEngine
    var clock: SimulatedClock
    var isUp = true
    /// Bumped by every crash, so that ticks and deliveries meant for an earlier life are dropped.
    var generation = 0
    /// Time of the tick event currently queued for this node, if any.
    var queuedTickAt = UInt64.max
    /// Ever had a clock beyond the max offset: such a node may not lose its disk (after a disk
    /// loss a node only waits out the max offset, which would not cover that skew).
    var hadClockExcursion = false
    /// The highest HLC this node ever issued, across restarts (to check monotonicity).
    var highestClock = HLCTimestamp.zero
    /// This life's boot epoch, envelope opener (replay windows) and per-channel sequence numbers:
    /// all lost on a crash, as in a real process.
    var bootEpoch = HLCTimestamp.zero
    var opener: EnvelopeOpener
    var nextSequence: [WireChannel: UInt64] = [:]
    /// Envelopes refused by the opener, by reason (duplicates land here as replays).
    var rejections: [String: Int] = [:]

    static let cluster = NodeID(high: 0x5349_4D55_4C41_5445, low: 0x4455_5354_4552_0001)

    init(id: NodeID, engine: GossipEngine, clock: SimulatedClock) {
        self.id = id
        self.engine = engine
        self.clock = clock
        self.opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
    }

    /// Starts a new life: new boot epoch, empty replay windows, sequence numbers from zero.
    mutating func boot(epoch: HLCTimestamp) {
        bootEpoch = epoch
        opener = EnvelopeOpener(cluster: Self.cluster, localNode: id)
        nextSequence = [:]
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
