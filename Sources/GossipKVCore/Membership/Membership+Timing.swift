/// Timeouts, scaled by local health (Lifeguard, Dadgar et al. 2017, section 4.1: "Local Health
/// Multiplier"). A node that misses acks and nacks is more likely slow itself than surrounded
/// by failures, so it waits longer before it accuses anyone: every timeout is multiplied by
/// (local health + 1), between 1 and `maxLocalHealth + 1`.
extension Membership {
    /// The multiplier Lifeguard applies to every timeout.
    public var timeoutMultiplier: UInt64 { UInt64(localHealth) + 1 }

    /// The probe interval now (stretched by local health).
    public var currentProbeInterval: UInt64 {
        config.probeIntervalMilliseconds.multipliedSaturating(by: timeoutMultiplier)
    }

    /// The direct-probe timeout now (stretched by local health).
    public var currentProbeTimeout: UInt64 {
        config.probeTimeoutMilliseconds.multipliedSaturating(by: timeoutMultiplier)
    }

    /// Members that count for the cluster size: alive and suspect, this node included.
    var activeCount: Int {
        records.values.reduce(localMember.state.isActive ? 1 : 0) { $0 + ($1.member.state.isActive ? 1 : 0) }
    }

    /// The suspicion timeout now: `suspicionMultiplier` × max(1, log10 N) × probe interval ×
    /// (local health + 1), N counting active members and this node. The log factor gives the
    /// suspicion time to reach the accused node by gossip, which takes O(log N) periods (SWIM
    /// section 4.2 and 5).
    public var currentSuspicionTimeout: UInt64 {
        let factor = config.suspicionMultiplier * max(1, Self.log10(activeCount))
        let milliseconds = factor * Double(config.probeIntervalMilliseconds)
        // Guard the conversion: a bad config must not trap (NaN, negative, or huge).
        let base: UInt64
        if !(milliseconds > 0) {
            base = 0
        } else if milliseconds >= 1e15 {
            base = 1_000_000_000_000_000
        } else {
            base = UInt64(milliseconds.rounded())
        }
        return base.multipliedSaturating(by: timeoutMultiplier)
    }

    /// How many times an update is piggybacked: λ × ⌈ln(N + 1)⌉. SWIM section 4.1 bounds the
    /// chance that a member misses an update after λ log n transmissions by about n^-(2λ-2), an
    /// analysis in natural logarithms. memberlist's ⌈log10(N + 1)⌉ gives 3 sends for N < 10, and
    /// in simulation news about a newcomer then died out before reaching half of 9 nodes.
    var transmitLimit: Int {
        let logarithm = Self.log2(activeCount + 1) / 1.4426950408889634  // log2(e)
        return max(1, config.retransmitMultiplier) * max(1, Int(logarithm.rounded(.up)))
    }

    /// log10 of a positive integer (0 for 1 and below).
    static func log10(_ value: Int) -> Double { log2(value) / 3.321928094887362 }  // log2(10)

    /// log2 of a positive integer (0 for 1 and below), from the standard library alone (the core
    /// imports no Foundation): the integer part from the bit width, then the fraction bit by bit
    /// by repeated squaring, 30 bits of it. Exact enough for timeouts, and the same everywhere.
    static func log2(_ value: Int) -> Double {
        guard value > 1 else { return 0 }
        let integerPart = Int.bitWidth - 1 - value.leadingZeroBitCount
        var mantissa = Double(value) / Double(1 << integerPart)  // in [1, 2)
        var result = Double(integerPart)
        var bit = 0.5
        for _ in 0..<30 {
            mantissa *= mantissa
            if mantissa >= 2 {
                mantissa /= 2
                result += bit
            }
            bit /= 2
        }
        return result
    }
}

extension UInt64 {
    /// `self + other`, or `UInt64.max` on overflow: times near the end of the clock must not trap.
    func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func multipliedSaturating(by other: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
