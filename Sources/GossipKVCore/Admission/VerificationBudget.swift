/// What the node may spend on authenticator checks (Ed25519 about 50 µs, a pair MAC a few):
/// the gate between the cheap checks and the expensive one (DESIGN, "Order of checks").
///
/// Only failures are charged. A lane (in the node: source address and claimed sender) whose
/// last check verified is trusted and passes without spending; any other lane needs a token in
/// its own bucket and in the global one, and a check that fails spends them and takes the
/// lane's trust away. So a forger, who can only fail, is held to the per-lane and global failure
/// rates (`Rates`), while the members' own traffic, which verifies, is never refused for
/// budget, however hard the forger pushes: trusted lanes are created only by a verified message,
/// which a forger cannot make, and kept in their own LRU table, which a forger cannot churn.
///
/// What stays possible: a forger who spoofs a member's exact lane gets one check per genuine
/// message there (each success restores the trust his next forgery spends), and while the
/// global budget is spent a lane not yet trusted (a new member's first message, a member back
/// from a restart with a stale pair key) waits for it to refill.
public struct VerificationBudget<Lane: Hashable & Sendable>: Sendable {
    private var trusted: RecencyTable<Lane, Bool>
    private var failures: SourceRateLimiter<Lane>

    public init(
        rates: RateLimits = .verificationDefault, maxTrustedLanes: Int = 4_096,
        now: UInt64 = 0
    ) {
        trusted = RecencyTable(capacity: maxTrustedLanes)
        failures = SourceRateLimiter(rates: rates, now: now)
    }

    /// Lanes whose last check verified.
    public var trustedLanes: Int { trusted.count }

    /// Whether a message on `lane` may have its authenticator checked now.
    public mutating func admit(_ lane: Lane, now: UInt64) -> RateLimitVerdict {
        if trusted.touch(lane) != nil { return .allowed }
        return failures.check(lane, now: now)
    }

    /// Records how the check `admit` allowed went.
    public mutating func record(_ lane: Lane, verified: Bool, now: UInt64) {
        if verified {
            trusted.set(true, for: lane)
        } else {
            trusted.remove(lane)
            _ = failures.take(lane, now: now)
        }
    }
}
