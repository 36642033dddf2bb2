/// Tunables of the membership state machine; defaults are DESIGN's constants. Every node of a
/// cluster SHOULD use the same values: the suspicion timeout is only meaningful if the accused
/// node gets to hear of its suspicion and refute it in time.
public struct MembershipConfig: Sendable, Equatable {
    /// One probe per interval (1 s, SWIM section 3: the protocol period `T'`).
    public var probeIntervalMilliseconds: UInt64 = 1_000
    /// Wait this long for a direct ack before asking others to probe (300 ms).
    public var probeTimeoutMilliseconds: UInt64 = 300
    /// `k`: members asked to probe indirectly (3, SWIM section 3.1); also the members a leave
    /// is sent to at once.
    public var indirectChecks = 3
    /// The suspicion timeout is this × max(1, log10 N) × the probe interval (1.5, as in
    /// HashiCorp memberlist's `SuspicionMult` scaled to our 1 s interval), stretched by local
    /// health (Lifeguard section 4.1).
    public var suspicionMultiplier = 1.5
    /// `λ`: each update is piggybacked about λ × ⌈ln(N + 1)⌉ times (3, SWIM section 4.1).
    public var retransmitMultiplier = 3
    /// The local health counter saturates here (8, Lifeguard section 4.1's `S`); timeouts are
    /// multiplied by the counter + 1.
    public var maxLocalHealth = 8
    /// Updates piggybacked on one SWIM message (at most `MemberUpdate.maxPerMessage`). 16
    /// updates of at most 46 bytes each keep a ping with its envelope well under 1,400 bytes.
    public var maxUpdatesPerMessage = 16
    /// Room left in a message after the news is filled with this many records of random
    /// active members, news or not. SWIM's dissemination sends each update a bounded number of
    /// times, so a member can miss one for good (two members that both missed each other's
    /// arrival would never meet); these records are a slow, continuous push-pull that repairs it,
    /// as memberlist's periodic full-state sync does. 46 bytes each at most. One: a node hears
    /// about two records a second (its probes' acks and the probes it receives), so a missed
    /// arrival is repaired in about N / 2 s, well inside the 30 s announcements that repair it
    /// too; a second record cost 34 bytes on every idle datagram, 12 % of idle traffic.
    public var backgroundUpdatesPerMessage = 1
    /// A relay gives up on its target and sends a nack after this long (300 ms, the probe
    /// timeout, so the nack reaches the prober well before its probe interval ends).
    public var relayTimeoutMilliseconds: UInt64 = 300
    /// At most this many indirect probes are relayed at once; more are refused, so a burst of
    /// ping-requests cannot grow memory.
    public var maxPendingRelays = 256
    /// Every this often, ping one dead member (not a left one) picked at random, carrying its
    /// death notice so that it can refute: after a partition heals, each side has declared the
    /// other dead and no longer probes it, and without this they would never meet again (Serf's
    /// `ReconnectInterval` does the same). One probe interval (1 s): Serf's 30 s left five
    /// nodes that had all declared each other dead apart for minutes after a heal on a LAN with
    /// no multicast to bring them together, and one ping a second to one dead member costs
    /// next to nothing. nil disables it.
    public var reconnectIntervalMilliseconds: UInt64? = 1_000
    /// When a dead member comes back, ping up to this many other dead members at once (a
    /// partition healed: they are likely back too), at most once per reconnect interval. 0
    /// waits for the reconnect ticks alone.
    public var maxReconnectBurst = 8
    /// DESIGN's max clock offset (500 ms). Bounds the incarnations a member update may claim: an
    /// incarnation starts at its member's boot epoch (an HLC value) and grows by one per
    /// refutation, so no honest update names an incarnation far above its sender's HLC
    /// (`Membership.isWithinReach`). Use the node's configured offset.
    public var maxClockOffsetMilliseconds: UInt64 = 500
    /// How far, in HLC raw units, a relayed incarnation may be above its sender's HLC plus the
    /// max clock offset: room for the refutations a member made faster than its clock moved
    /// (each adds one). 65,536 is one millisecond of the logical counter.
    public var refutationAllowance: UInt64 = 1 << 16
    /// Members named in gossip but unknown here are never inserted: they are introduced to (our
    /// announcement, asking for theirs) and admitted through their own signed announcement. At
    /// most this many such strangers are pending at once; more are refused and counted, so a
    /// flood of invented members costs a bounded number of introductions.
    public var maxPendingStrangers = 64
    /// A pending stranger is introduced to at most once in this long, and forgotten after it.
    public var strangerRetryMilliseconds: UInt64 = 10_000
    /// A probe or ack carries the anti-entropy summary only when it changed since the last one
    /// sent to that peer, or when that one is this old (10 s: about two probe rounds of a
    /// 10-node cluster), so a lost summary delays a comparison by at most this much
    /// (`SummaryPacing`). nil: every probe and ack carries it.
    public var summaryRefreshMilliseconds: UInt64? = 10_000

    public init() {}
}
