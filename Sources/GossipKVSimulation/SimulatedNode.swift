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

    func physical(at time: UInt64, start: UInt64) -> UInt64 {
        UInt64(max(0, Int64(time) + clock.offset(elapsed: time - start)))
    }
}
