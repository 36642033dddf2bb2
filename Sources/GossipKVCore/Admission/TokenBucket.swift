/// A token bucket with its clock injected (milliseconds): tokens flow in at `ratePerSecond` up to
/// `burst`, and each admitted unit of work takes some. Pure and total: a clock that steps back
/// adds nothing (it never refills a bucket to full), and no input traps.
public struct TokenBucket: Hashable, Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    /// Tokens as of `updatedAt` (call `available(now:)` for the current figure).
    public private(set) var tokens: Double
    private var updatedAt: UInt64

    /// A full bucket at `now`.
    public init(ratePerSecond: Double, burst: Double, now: UInt64) {
        self.ratePerSecond = max(0, ratePerSecond)
        self.burst = max(0, burst)
        self.tokens = max(0, burst)
        self.updatedAt = now
    }

    /// Tokens the bucket holds at `now`.
    public func available(now: UInt64) -> Double {
        guard now > updatedAt else { return tokens }
        return min(burst, tokens + Double(now - updatedAt) * ratePerSecond / 1_000)
    }

    /// Whether `cost` tokens could be taken at `now`. Changes nothing.
    public func canTake(_ cost: Double = 1, now: UInt64) -> Bool { available(now: now) >= cost }

    /// Takes `cost` tokens when the bucket holds them at `now`; otherwise takes nothing.
    @discardableResult
    public mutating func take(_ cost: Double = 1, now: UInt64) -> Bool {
        refill(now: now)
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }

    private mutating func refill(now: UInt64) {
        tokens = available(now: now)
        updatedAt = max(updatedAt, now)
    }
}
