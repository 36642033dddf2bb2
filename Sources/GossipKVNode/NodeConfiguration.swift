import GossipKVCore
import GossipKVCrypto
import GossipKVRESP
import GossipKVStorage
import Metrics

/// Everything a node needs to start. Defaults are DESIGN's constants; the CLI fills this from
/// flags, environment variables and a config file.
public struct NodeConfiguration: Sendable {
    /// A human name for logs and `members` (also in the node's certificate).
    public var name: String
    public var identity: NodeIdentity
    /// Address the gossip sockets listen on; `0.0.0.0` listens on all.
    public var bindHost = "0.0.0.0"
    /// The address other nodes reach this one at. Default: the bind address when it is specific,
    /// else the address of the first interface multicast joined on, else 127.0.0.1.
    public var advertisedHost: String?
    /// Gossip port (UDP and TCP). 0 picks a free port (tests).
    public var gossipPort = 7377
    /// The Redis-protocol server (binds 127.0.0.1:7379 unless told otherwise); nil serves no
    /// clients (an embedded node that only uses the Swift API).
    public var resp: RESPServerConfiguration? = RESPServerConfiguration()
    /// The client port advertised to members when `resp` is nil.
    public var clientPort = 7379
    /// `host:port` gossip addresses contacted at start, where multicast cannot reach.
    public var seeds: [String] = []
    /// Multicast discovery; nil turns it off (`--no-multicast`).
    public var multicast: MulticastConfiguration? = MulticastConfiguration()
    /// The HTTP endpoint for `/metrics`, `/health` and `/ready`; nil (the default for an
    /// embedded node, whose host server usually has its own) serves none. `gossipkv node` turns
    /// it on at 127.0.0.1:7380.
    public var metricsServer: MetricsServerConfiguration?
    /// Where the node's metrics go; nil uses the process-wide `MetricsSystem` factory. The CLI
    /// bootstraps `MetricsSystem` with a `PrometheusMetricsFactory` over the endpoint's registry.
    public var metricsFactory: (any MetricsFactory)?
    public var maxClockOffsetMilliseconds: UInt64 = 500
    /// The data directory (write-ahead log, snapshots, lock) and its fsync policy; nil keeps
    /// everything in memory (embedded nodes and tests): a restart then starts empty and gets its
    /// data back from peers. `gossipkv node` sets it unless told `--in-memory`.
    public var storage: StorageConfiguration?
    /// Nodes revoked by the cluster key (`gossipkv cert revoke`): refused from the start. The
    /// node refuses to start when one does not verify under its cluster's key.
    public var revocations = RevocationList()
    public var gossip = GossipConfig()
    /// Caps and timeouts of gossip streams (connections waiting for their handshake, per source
    /// and in all; authenticated ones; idle and handshake timeouts).
    public var streamLimits = StreamLimits()
    /// What forged envelopes may cost: failed authenticator checks a second per lane (source
    /// address and claimed sender) and in all (`VerificationBudget`).
    public var verificationRates = RateLimits.verificationDefault
    public var membership = MembershipConfig()

    public init(name: String, identity: NodeIdentity) {
        self.name = name
        self.identity = identity
        // SWIM probes and acks carry the anti-entropy summary, so the engine's own idle round
        // is not needed (DESIGN, "Rounds").
        gossip.idleSummaryIntervalMilliseconds = nil
    }
}

/// Where and how a node announces itself (DESIGN's constants).
public struct MulticastConfiguration: Sendable {
    public var group = "239.255.77.77"
    public var port = 7378
    /// One interface name, or nil for every up, multicast-capable IPv4 interface.
    public var interface: String?
    /// 1 keeps announcements on the local link.
    public var ttl: UInt8 = 1
    /// Announcements right after start, spread over `burstMilliseconds`.
    public var burstCount = 3
    public var burstMilliseconds: UInt64 = 2_000
    /// Then one every `intervalMilliseconds` ± `jitter` (a fraction).
    public var intervalMilliseconds: UInt64 = 30_000
    public var jitter = 0.2

    public init() {}
}
