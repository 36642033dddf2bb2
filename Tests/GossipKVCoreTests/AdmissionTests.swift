import Testing

@testable import GossipKVCore

/// Token buckets, the LRU table and the budgets built on them: the pure gate in front of every
/// signature check (issue 13, "cheap rejection first").
@Suite("rate limits before signature checks")
struct AdmissionTests {
    @Test("a bucket gives its burst at once, then refills at its rate, never above the burst")
    func bucketRefills() {
        var bucket = TokenBucket(ratePerSecond: 10, burst: 3, now: 1_000)
        #expect(bucket.take(now: 1_000) && bucket.take(now: 1_000) && bucket.take(now: 1_000))
        #expect(bucket.take(now: 1_000) == false)
        #expect(bucket.take(now: 1_050) == false)  // half a token
        #expect(bucket.take(now: 1_100) == true)
        #expect(bucket.available(now: 100_000) == 3)
    }

    @Test("a clock that steps back refills nothing")
    func bucketClockBack() {
        var bucket = TokenBucket(ratePerSecond: 1_000, burst: 2, now: 5_000)
        #expect(bucket.take(2, now: 5_000) == true)
        #expect(bucket.take(now: 1_000) == false)
        #expect(bucket.available(now: 4_000) == 0)
        #expect(bucket.take(now: 5_001) == true)
    }

    @Test("the LRU table evicts the least recently used key, one at a time")
    func recencyEvictsOldest() {
        var table = RecencyTable<Int, String>(capacity: 3)
        table.set("a", for: 1)
        table.set("b", for: 2)
        table.set("c", for: 3)
        #expect(table.touch(1) == "a")
        #expect(table.set("d", for: 4) == 2)
        #expect(table.count == 3)
        #expect(table.peek(2) == nil && table.peek(1) == "a" && table.peek(3) == "c")
        #expect(table.set("e", for: 5) == 3)
        #expect(table.remove(1) == "a")
        #expect(table.set("f", for: 6) == nil)
    }

    @Test("a key touched constantly survives any number of new keys churning the table")
    func recencyKeepsBusyKey() {
        var table = RecencyTable<Int, Int>(capacity: 16)
        table.set(0, for: -1)
        for key in 0..<10_000 {
            table.set(key, for: key)
            _ = table.touch(-1)
        }
        #expect(table.peek(-1) == 0)
        #expect(table.count == 16)
    }

    @Test("a single busy key touched a million times keeps the queue bounded and the order right")
    func recencyQueueBounded() {
        var table = RecencyTable<Int, Int>(capacity: 4)
        for key in 0..<4 { table.set(key, for: key) }
        for _ in 0..<100_000 { _ = table.touch(3) }
        #expect(table.set(9, for: 9) == 0)
        #expect(table.set(10, for: 10) == 1)
    }

    typealias Rates = SourceRateLimiter<String>.Rates

    @Test("one source is held to its own rate while another still gets through")
    func perSourceLimit() {
        var limiter = SourceRateLimiter<String>(
            rates: Rates(perSourcePerSecond: 1, perSourceBurst: 2, globalPerSecond: 100, globalBurst: 100))
        #expect(limiter.take("a", now: 0) == .allowed)
        #expect(limiter.take("a", now: 0) == .allowed)
        #expect(limiter.take("a", now: 0) == .sourceExhausted)
        #expect(limiter.take("b", now: 0) == .allowed)
        #expect(limiter.take("a", now: 1_000) == .allowed)
    }

    @Test("spoofed sources beyond the table evict one bucket each, and the global bucket caps their sum")
    func spoofedSourcesCapped() {
        var limiter = SourceRateLimiter<Int>(
            rates: .init(
                perSourcePerSecond: 10, perSourceBurst: 10, globalPerSecond: 100, globalBurst: 200,
                maxSources: 64))
        var allowed = 0
        for source in 0..<100_000 where limiter.take(source, now: 0) == .allowed { allowed += 1 }
        #expect(allowed == 200)
        #expect(limiter.trackedSources <= 64)
        // The old weakness: a full table cleared everything, giving a drained source its burst
        // back. Now a source that keeps working stays in the table, drained.
        var steady = SourceRateLimiter<Int>(
            rates: .init(
                perSourcePerSecond: 0, perSourceBurst: 5, globalPerSecond: 1_000_000, globalBurst: 1_000_000,
                maxSources: 8))
        for _ in 0..<5 { #expect(steady.take(-1, now: 0) == .allowed) }
        for source in 0..<1_000 {
            _ = steady.take(source, now: 0)
            #expect(steady.take(-1, now: 0) == .sourceExhausted)
        }
    }

    @Test("only failures are charged: a lane that verifies is never refused, a forging lane is")
    func verificationBudgetChargesFailures() {
        var budget = VerificationBudget<String>(
            rates: .init(perSourcePerSecond: 0, perSourceBurst: 3, globalPerSecond: 0, globalBurst: 5))
        // A member's lane: verified once, then trusted through any amount of forgery elsewhere.
        #expect(budget.admit("member", now: 0) == .allowed)
        budget.record("member", verified: true, now: 0)
        var forged = 0
        for _ in 0..<1_000 where budget.admit("forger", now: 0) == .allowed {
            forged += 1
            budget.record("forger", verified: false, now: 0)
        }
        #expect(forged == 3)
        for lane in 0..<1_000 where budget.admit("spoof-\(lane)", now: 0) == .allowed {
            forged += 1
            budget.record("spoof-\(lane)", verified: false, now: 0)
        }
        #expect(forged == 5)
        #expect(budget.admit("spoof-new", now: 0) == .globalExhausted)
        for _ in 0..<1_000 {
            #expect(budget.admit("member", now: 0) == .allowed)
            budget.record("member", verified: true, now: 0)
        }
    }

    @Test("a trusted lane that fails loses its trust and pays like any other")
    func trustLost() {
        var budget = VerificationBudget<String>(
            rates: .init(perSourcePerSecond: 0, perSourceBurst: 2, globalPerSecond: 0, globalBurst: 10))
        budget.record("lane", verified: true, now: 0)
        #expect(budget.admit("lane", now: 0) == .allowed)
        budget.record("lane", verified: false, now: 0)
        #expect(budget.admit("lane", now: 0) == .allowed)
        budget.record("lane", verified: false, now: 0)
        #expect(budget.admit("lane", now: 0) == .sourceExhausted)
        #expect(budget.trustedLanes == 0)
    }
}
