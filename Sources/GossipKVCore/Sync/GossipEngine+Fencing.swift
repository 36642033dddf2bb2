/// Clock fencing (DESIGN, "Data model and ordering"): a node whose clock runs more than the max
/// offset ahead of most live peers is the one that is wrong, so it refuses local writes until it
/// is back within bounds, as CockroachDB does. Its writes would otherwise carry timestamps the
/// peers refuse as clock poisoning, and win every conflict for as long as the skew lasts.
///
/// Each message from a peer is a sample: the HLC its envelope carried, against our HLC read time
/// on receipt. A sample counts for `GossipConfig.clockSampleMilliseconds`. The fence is up while
/// more than half of the peers sampled in that window, and at least two, are too far behind us
/// (below).
/// "Behind" means more than twice the max offset: an honest node's HLC may run up to one max
/// offset ahead of a peer's by merging a third node's fast (but admitted) clock, and its own
/// wall clock may differ from the peer's by up to another. A node with no recent sample (alone,
/// or cut off) is never fenced: writes while alone are the store's promise.
public struct ClockFence: Equatable, Sendable, CustomStringConvertible {
    /// How far ahead of the median peer behind us our clock runs, in milliseconds.
    public var aheadMilliseconds: UInt64
    public var peersBehind: Int
    public var peersSampled: Int
    public var maxOffsetMilliseconds: UInt64

    public var description: String {
        "this node's clock runs \(aheadMilliseconds) ms ahead of \(peersBehind) of \(peersSampled) peers "
            + "(max clock offset \(maxOffsetMilliseconds) ms); writes are refused until it is back within bounds. "
            + "Check this machine's clock (NTP), or write through another node"
    }
}

/// A gap in this process's own run: no input for longer than the max offset by the monotonic
/// clock (SIGSTOP, a VM stalled by its host, a swap storm, a laptop asleep). What peers sent
/// meanwhile waited in the kernel's buffers and is read on return as if just sent.
struct ProcessStall: Sendable {
    /// Our physical time at the first input after the gap.
    var resumedAt: UInt64
    /// The gap by the monotonic clock, in milliseconds.
    var milliseconds: UInt64
}

/// One peer's clock as its last message showed it.
struct PeerClockSample: Sendable {
    /// Our HLC read time minus the peer's, in milliseconds (negative: the peer is ahead).
    var behindMilliseconds: Int64
    /// Our physical time when the sample was taken.
    var at: UInt64
}

extension GossipEngine {
    /// Records the clock a message from `peer` carried. Called for every message from a current
    /// peer, before the clock check (a peer far ahead is a sample too). `receivedAt` is when the
    /// shell read the message off the network, if earlier than `now`: the time it then waited in
    /// this node's own queue is not the peer's lag, and is taken off. Without it, a node busy
    /// with a burst of client writes (50,000 pipelined SETs) saw every peer seconds "behind"
    /// and fenced itself, refusing the very writes that kept it busy.
    public mutating func notePeerClock(
        _ peer: NodeID, clock: HLCTimestamp, now: UInt64, receivedAt: UInt64? = nil
    ) {
        guard peers.contains(peer) else { return }
        let queued = receivedAt.map { now > $0 ? now - $0 : 0 } ?? 0
        let ours = replica.readTime(physical: now).physical &- queued
        var behind = Int64(truncatingIfNeeded: ours &- clock.physical)
        // Right after a stall of our own, a message may have waited in the kernel for as long as
        // the stall lasted: that much of its lag is ours, not the peer's. Only the monotonic gap
        // is credited, so a wall clock that stepped forward while we were stopped still shows.
        if let stall = lastStall, now >= stall.resumedAt,
            now - stall.resumedAt <= Self.clockMinimumWindowMilliseconds, behind > 0
        {
            behind = max(0, behind - Int64(clamping: stall.milliseconds))
        }
        // The least-behind sample of the last `clockMinimumWindowMilliseconds` stands: a message
        // can only look more behind than its sender is (it waited somewhere: in the kernel's
        // buffer while this process was paused, on a slow link), never less. So a backlog does
        // not fence us, a return within bounds lifts the fence at once, and a real jump ahead
        // raises it within the window.
        if let held = peerClocks[peer], now >= held.at, now - held.at < Self.clockMinimumWindowMilliseconds,
            held.behindMilliseconds <= behind
        {
            return
        }
        peerClocks[peer] = PeerClockSample(behindMilliseconds: behind, at: now)
    }

    /// How long the least-behind sample of a peer stands (see `notePeerClock`), and how long
    /// after a stall its backlog is credited.
    static let clockMinimumWindowMilliseconds: UInt64 = 2_000

    /// The shell's monotonic clock (milliseconds, any origin; CLOCK_BOOTTIME in the node, the
    /// simulator's true time) at an input, before the input is handled. Without it the core
    /// cannot tell a paused process from a forward clock step: both make every peer's backlog
    /// look behind by the gap, and a node fenced itself for a probe interval after every pause
    /// of more than twice the max offset. A gap longer than the max offset is a stall
    /// (`ProcessStall`), whose length is taken off the lag of the samples read in the next
    /// `clockMinimumWindowMilliseconds`.
    public mutating func noteRunTime(monotonic: UInt64, now: UInt64) {
        if let last = lastInputMonotonic, monotonic > last,
            monotonic - last > replica.clock.maxOffsetMilliseconds
        {
            lastStall = ProcessStall(resumedAt: now, milliseconds: monotonic - last)
        }
        lastInputMonotonic = max(lastInputMonotonic ?? monotonic, monotonic)
    }

    /// Non-nil while local writes are refused because our clock runs ahead of most live peers.
    public func clockFence(now: UInt64) -> ClockFence? {
        let window = config.clockSampleMilliseconds
        let maxOffset = replica.clock.maxOffsetMilliseconds
        // The gap is measured now, not when sampled: our clock moved on since, the peer's too.
        let threshold = Int64(clamping: maxOffset.multipliedReportingOverflow(by: 2).partialValue)
        // Counted first, with no array: this runs before every local write, and a fence is rare.
        var recentCount = 0
        var behindCount = 0
        for sample in peerClocks.values where now >= sample.at && now - sample.at <= window || now < sample.at
        {
            recentCount += 1
            if sample.behindMilliseconds > threshold { behindCount += 1 }
        }
        // At least two: with one peer sampled there is no telling which clock is wrong.
        guard behindCount >= 2, behindCount * 2 > recentCount else { return nil }
        let gaps = peerClocks.values.filter {
            (now >= $0.at && now - $0.at <= window || now < $0.at) && $0.behindMilliseconds > threshold
        }.map(\.behindMilliseconds).sorted()
        return ClockFence(
            aheadMilliseconds: UInt64(gaps[gaps.count / 2]), peersBehind: behindCount,
            peersSampled: recentCount,
            maxOffsetMilliseconds: maxOffset)
    }
}
