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

/// A token bucket per source plus one for everything (time injected). The per-source buckets
/// live in a `RecencyTable`, so memory is bounded by `maxSources` and a flood of spoofed sources
/// only evicts the idlest buckets; the global bucket caps the total whatever the number of
/// sources, so even a source evicted and met again with a full bucket cannot exceed it.
public struct SourceRateLimiter<Source: Hashable & Sendable>: Sendable {
    public struct Rates: Hashable, Sendable {
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
