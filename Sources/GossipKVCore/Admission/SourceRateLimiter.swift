/// Why a rate limiter refused work; the shell counts refusals by `label`.
public enum RateLimitVerdict: Hashable, Sendable {
    case allowed
    /// This source (or lane) has spent its own budget.
    case sourceExhausted
    /// Every source together has spent the node's budget.
    case globalExhausted

    public var label: String {
        switch self {
        case .allowed: return "allowed"
        case .sourceExhausted: return "source_rate"
        case .globalExhausted: return "global_rate"
        }
    }
}

/// The rates of a `SourceRateLimiter` (tokens a second and burst, per source and in all) and
/// how many sources it tracks.
public struct RateLimits: Hashable, Sendable {
    public var perSourcePerSecond: Double
    public var perSourceBurst: Double
    public var globalPerSecond: Double
    public var globalBurst: Double
    public var maxSources: Int

    public init(
        perSourcePerSecond: Double, perSourceBurst: Double, globalPerSecond: Double, globalBurst: Double,
        maxSources: Int = 4_096
    ) {
        self.perSourcePerSecond = perSourcePerSecond
        self.perSourceBurst = perSourceBurst
        self.globalPerSecond = globalPerSecond
        self.globalBurst = globalBurst
        self.maxSources = maxSources
    }
}

extension RateLimits {
    /// The verification budget's defaults: 200 failures a second per lane (burst 400) and 2,000 a
    /// second in all (burst 4,000): at 50 µs a check, at most a tenth of a core spent on forgeries.
    public static let verificationDefault = RateLimits(
        perSourcePerSecond: 200, perSourceBurst: 400, globalPerSecond: 2_000, globalBurst: 4_000)
}

/// A token bucket per source plus one for everything (time injected). The per-source buckets
/// live in a `RecencyTable`, so memory is bounded by `maxSources` and a flood of spoofed sources
/// only evicts the idlest buckets; the global bucket caps the total whatever the number of
/// sources, so even a source evicted and met again with a full bucket cannot exceed it.
public struct SourceRateLimiter<Source: Hashable & Sendable>: Sendable {
    public typealias Rates = RateLimits

    public let rates: Rates
    private var global: TokenBucket
    private var sources: RecencyTable<Source, TokenBucket>

    public init(rates: Rates, now: UInt64 = 0) {
        self.rates = rates
        global = TokenBucket(ratePerSecond: rates.globalPerSecond, burst: rates.globalBurst, now: now)
        sources = RecencyTable(capacity: rates.maxSources)
    }

    /// Sources with a bucket now (at most `rates.maxSources`).
    public var trackedSources: Int { sources.count }

    /// Whether `source` could spend `cost` at `now`. Changes nothing.
    public func check(_ source: Source, cost: Double = 1, now: UInt64) -> RateLimitVerdict {
        if let bucket = sources.peek(source), !bucket.canTake(cost, now: now) { return .sourceExhausted }
        if sources.peek(source) == nil, rates.perSourceBurst < cost { return .sourceExhausted }
        return global.canTake(cost, now: now) ? .allowed : .globalExhausted
    }

    /// Spends `cost` from `source`'s bucket and the global one when both hold it; otherwise
    /// spends nothing.
    public mutating func take(_ source: Source, cost: Double = 1, now: UInt64) -> RateLimitVerdict {
        let verdict = check(source, cost: cost, now: now)
        guard verdict == .allowed else {
            _ = sources.touch(source)
            return verdict
        }
        var bucket =
            sources.touch(source)
            ?? TokenBucket(ratePerSecond: rates.perSourcePerSecond, burst: rates.perSourceBurst, now: now)
        bucket.take(cost, now: now)
        sources.set(bucket, for: source)
        global.take(cost, now: now)
        return .allowed
    }
}
