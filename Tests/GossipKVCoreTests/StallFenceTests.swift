import Testing

@testable import GossipKVCore

/// The clock fence against a stall of this very process (`GossipEngine.noteRunTime`): the
/// monotonic clock tells a pause, whose backlog is credited, from a wall-clock step, which fences.
@Suite("clock fence after a stall of this process")
struct StallFenceTests {
    /// An engine of a 3-node harness whose peers were sampled in step at `start`, with the
    /// shell's monotonic clock at `monotonic` then.
    static func engineInStep() throws -> (engine: GossipEngine, start: UInt64) {
        let harness = EngineHarness(count: 3)
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        let start = harness.now
        engine.noteRunTime(monotonic: 1_000, now: start)
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(EngineHarness.id(peer), clock: HLCTimestamp(physical: start), now: start)
        }
        return (engine, start)
    }

    /// What two peers sent just before a stall of `stall` ms, read on return at `now`.
    static func readBacklog(_ engine: inout GossipEngine, sentAt: UInt64, now: UInt64) {
        for peer: UInt64 in 2...3 {
            engine.notePeerClock(EngineHarness.id(peer), clock: HLCTimestamp(physical: sentAt), now: now)
        }
    }

    @Test("a paused process reads its backlog without fencing itself; the same lag without a stall fences")
    func stallIsCredited() throws {
        var (engine, start) = try Self.engineInStep()
        var control = engine
        let resumed = start + 5_000
        // Stopped for 5 s by the monotonic clock as by the wall clock.
        engine.noteRunTime(monotonic: 6_000, now: resumed)
        Self.readBacklog(&engine, sentAt: start, now: resumed)
        #expect(engine.clockFence(now: resumed) == nil)
        _ = try engine.write(Array("k".utf8), value: [1], now: resumed)
        // The same messages without a gap in our own run: the peers are 5 s behind us.
        control.noteRunTime(monotonic: 1_500, now: resumed)
        Self.readBacklog(&control, sentAt: start, now: resumed)
        #expect(control.clockFence(now: resumed) != nil)
    }

    @Test("a wall clock that stepped forward while the process was stopped still fences")
    func stepDuringStallFences() throws {
        var (engine, start) = try Self.engineInStep()
        // 5 s stopped, and the wall clock stepped 10 min forward meanwhile.
        let resumed = start + 5_000 + 600_000
        engine.noteRunTime(monotonic: 6_000, now: resumed)
        Self.readBacklog(&engine, sentAt: start, now: resumed)
        let fence = try #require(engine.clockFence(now: resumed))
        #expect(fence.aheadMilliseconds >= 600_000 && fence.aheadMilliseconds < 605_000)
    }

    @Test("the credit lasts only while the backlog drains: later lag of that size fences")
    func creditExpires() throws {
        var (engine, start) = try Self.engineInStep()
        let resumed = start + 5_000
        engine.noteRunTime(monotonic: 6_000, now: resumed)
        let later = resumed + GossipEngine.clockMinimumWindowMilliseconds + 1
        engine.noteRunTime(monotonic: 6_000 + later - resumed, now: later)
        Self.readBacklog(&engine, sentAt: later - 5_000, now: later)
        #expect(engine.clockFence(now: later) != nil)
    }
}
