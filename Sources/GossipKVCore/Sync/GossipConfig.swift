/// Tunables of the anti-entropy state machine; defaults are DESIGN's constants.
public struct GossipConfig: Sendable, Equatable {
    /// Round interval while changes are recent (200 ms).
    public var gossipIntervalMilliseconds: UInt64 = 200
    /// Peers per round (3), and the least width of the push tree: a writer pushes to
    /// max(fanout, ⌈√(N-1)⌉) members, each of which relays to its share of the rest
    /// (`GossipEngine+Transfers.swift`).
    public var fanout = 3
    /// Fresh writes are gathered this long before one push carries them all (2 ms).
    public var pushWindowMilliseconds: UInt64 = 2
    /// A change applied this recently keeps active rounds going (a few seconds).
    public var recentChangeMilliseconds: UInt64 = 5_000
    /// While idle, send the digest-hash/state-hash pair to one random peer this often. The node
    /// sets it to nil, since SWIM probes and acks carry the pair; so does the simulator when it
    /// runs membership (`SimulationOptions.membership`).
    public var idleSummaryIntervalMilliseconds: UInt64? = 1_000
    /// A digest with more origins than this goes out as its hash; the peer asks for it if needed.
    public var fullDigestMaxOrigins = 40
    /// Budget for one push message's body, so that it fits a datagram with its envelope
    /// (1,400 bytes less the 79-byte header, a 64-byte signature and the 45 bytes of the sealed
    /// frame a closed cluster wraps it in, `SealedFrame.overhead`).
    public var pushBudgetBytes = 1_400 - 79 - 64 - SealedFrame.overhead
    /// Budget for one push message's body when a flush holds more than one datagram's worth for
    /// a tree: the push then goes as one frame on the stream to each target (256 KiB, well
    /// under the 1 MiB chunk limit). Every envelope is signed for its recipient and verified
    /// by it (Ed25519, ~20 and ~50 µs): a burst cut into datagrams of ~12 writes cost each
    /// receiver of a 3-node cluster about half a core at 130k SET/s; one frame per push window
    /// costs it a few hundred verifications a second.
    public var pushStreamBudgetBytes = 256 * 1024
    /// A partly received answer is forgotten after this long (its watermarks are not adopted).
    public var syncTimeoutMilliseconds: UInt64 = 5_000
    /// How many `(origin, timestamp)` pairs of recent pushes are remembered, at most, to drop
    /// duplicates (two generations of half of it: at least the last half is always held).
    public var duplicateMemory = 65_536
    /// At most this many answers are reassembled at once; beyond, chunks are merged but untracked.
    public var maxPendingAnswers = 64
    public var limits = Limits.standard
    /// At most this many `previous → timestamp` links of writes applied above a gap are kept
    /// (`PendingLinks`); beyond, that watermark waits for a complete answer.
    public var maxPendingLinks = Replica.defaultPendingLinkCapacity
    /// How long an exchange that may bring us entries (our request's answer, or the answer back
    /// to our answer) holds this node's one inbound slot without a chunk arriving
    /// (`GossipEngine+Transfers.swift`): two gossip intervals. Past it, other peers may send
    /// again; nothing is lost, a copy may only arrive twice.
    public var inboundWaitMilliseconds: UInt64 = 400
    /// A tombstone (or an expired value) is dropped only once it has been dead this long and every
    /// current member's digest covers it (24 h, DESIGN's constants). A node away from the
    /// cluster for less than this cannot hold a value that a collected tombstone superseded.
    public var tombstoneGracePeriodMilliseconds: UInt64 = 86_400_000
    /// How often the engine looks for garbage (one scan of the map each time; 1 min). Nil turns
    /// collection off.
    public var collectionIntervalMilliseconds: UInt64? = 60_000
    /// After collecting an entry, a replica refuses older writes of its key for this long: copies
    /// still in flight (a delayed datagram, an answer computed before the delete reached its
    /// sender) must not bring the key back. Short on purpose: past the zombie limit (a node
    /// away longer than the grace period) the refusal only delays convergence by this much.
    public var collectionEchoMilliseconds: UInt64 = 3_000
    /// Requests (sync requests, bucket hashes, reconcile openings) answered per peer per second,
    /// with bursts of twice that. An honest peer opens a round with us at most every gossip
    /// interval (5/s) and each round asks once or twice; a liar's requests, each of which could
    /// draw the whole map out of us, stop here.
    public var answersPerPeerPerSecond: UInt64 = 20
    /// A peer's clock sample counts for clock fencing for this long (`GossipEngine+Fencing.swift`).
    public var clockSampleMilliseconds: UInt64 = 10_000

    public init() {}
}
