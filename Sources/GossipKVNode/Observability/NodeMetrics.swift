import Metrics
import NIOConcurrencyHelpers

/// The node's metrics, created once with their dimensions (after swift-cluster-membership's
/// `SWIM.Metrics`). Names follow Prometheus conventions; `MetricsServer` exposes them at
/// `/metrics` when the factory feeds its registry. Handles per label are made on first use and
/// cached.
public final class NodeMetrics: Sendable {
    public let keys: Gauge
    /// Writes (puts and deletes) made on this node, not replicated ones.
    public let localWrites: Counter
    public let hlcPhysicalMilliseconds: Gauge
    public let syncDuration: Timer
    public let pushFanout: Recorder
    /// Records appended to the write-ahead log (entries, watermarks, clock ceilings) and their
    /// bytes; copied from the storage's counters before each scrape.
    public let walAppends: Counter
    public let walBytes: Counter
    /// fsync calls on the log (group commits, batch timer, segment rolls, close).
    public let walFsyncs: Counter
    /// Writes that waited for an fsync (`--fsync always`); with group commit, many per fsync.
    public let walDurableWaits: Counter
    /// How long an acknowledged write waited for its fsync (`--fsync always`).
    public let walFsyncDuration: Timer
    public let snapshots: Counter
    public let snapshotDuration: Timer
    /// Bytes the data directory holds on disk (log segments and snapshots), sampled per scrape.
    public let storageBytes: Gauge
    /// Dead entries (tombstones, expired values) garbage collection dropped.
    public let collected: Counter
    /// 1 while this node refuses writes because its clock runs ahead of most peers, else 0.
    public let clockFenced: Gauge
    /// How far ahead of the peers behind it this node's clock runs while fenced (0 otherwise).
    public let clockAheadMilliseconds: Gauge
    private let labels: [(String, String)]
    private let counters = NIOLockedValueBox<[String: Counter]>([:])
    private let gauges = NIOLockedValueBox<[String: Gauge]>([:])
    private let rejections = NIOLockedValueBox<[String: Int]>([:])
    private let pairMACs = NIOLockedValueBox(0)
    private let streamCloses = NIOLockedValueBox<[String: Int]>([:])
    private let authenticatorCheckCount = NIOLockedValueBox(0)
    private let pairMACCounter: Counter
    private let factory: any MetricsFactory

    /// `factory` defaults to the process-wide `MetricsSystem.factory` as it is now; pass one to
    /// keep a node's metrics apart (tests, or two nodes in one process with separate registries).
    public init(nodeName: String, factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        labels = [("node", nodeName)]
        keys = Gauge(label: "gossipkv_keys", dimensions: labels, factory: factory)
        localWrites = Counter(label: "gossipkv_local_writes_total", dimensions: labels, factory: factory)
        hlcPhysicalMilliseconds = Gauge(
            label: "gossipkv_hlc_physical_ms", dimensions: labels, factory: factory)
        syncDuration = Timer(label: "gossipkv_sync_duration_seconds", dimensions: labels, factory: factory)
        pushFanout = Recorder(label: "gossipkv_push_fanout", dimensions: labels, factory: factory)
        walAppends = Counter(label: "gossipkv_wal_appends_total", dimensions: labels, factory: factory)
        walBytes = Counter(label: "gossipkv_wal_bytes_total", dimensions: labels, factory: factory)
        walFsyncs = Counter(label: "gossipkv_wal_fsyncs_total", dimensions: labels, factory: factory)
        walDurableWaits = Counter(
            label: "gossipkv_wal_durable_waits_total", dimensions: labels, factory: factory)
        walFsyncDuration = Timer(
            label: "gossipkv_wal_fsync_wait_seconds", dimensions: labels, factory: factory)
        snapshots = Counter(label: "gossipkv_snapshots_total", dimensions: labels, factory: factory)
        snapshotDuration = Timer(
            label: "gossipkv_snapshot_duration_seconds", dimensions: labels, factory: factory)
        storageBytes = Gauge(label: "gossipkv_storage_bytes", dimensions: labels, factory: factory)
        collected = Counter(label: "gossipkv_collected_total", dimensions: labels, factory: factory)
        clockFenced = Gauge(label: "gossipkv_clock_fenced", dimensions: labels, factory: factory)
        clockAheadMilliseconds = Gauge(label: "gossipkv_clock_ahead_ms", dimensions: labels, factory: factory)
        pairMACCounter = Counter(
            label: "gossipkv_pair_mac_messages_out_total", dimensions: labels, factory: factory)
    }

    private func counter(_ name: String, _ dimension: (String, String)) -> Counter {
        let key = "\(name)|\(dimension.0)=\(dimension.1)"
        return counters.withLockedValue { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: name, dimensions: labels + [dimension], factory: factory)
            cache[key] = counter
            return counter
        }
    }

    public func messageIn(kind: String, bytes: Int) {
        counter("gossipkv_messages_in_total", ("kind", kind)).increment()
        counter("gossipkv_bytes_in_total", ("kind", kind)).increment(by: bytes)
    }

    public func messageOut(kind: String, bytes: Int) {
        counter("gossipkv_messages_out_total", ("kind", kind)).increment()
        counter("gossipkv_bytes_out_total", ("kind", kind)).increment(by: bytes)
    }

    /// A push not sent (`stream_backlog`: its peer's stream already holds too much unsent; the
    /// rounds deliver those writes later, as they do a lost datagram's).
    public func pushDropped(reason: String) {
        counter("gossipkv_pushes_dropped_total", ("reason", reason)).increment()
    }

    /// A sync answer chunk sent, by phase (`answer`, `answerBack`, `buckets`): which part of
    /// anti-entropy carries the bytes when a burst costs more than its pushes (issue 12).
    public func syncAnswerOut(phase: String, bytes: Int) {
        counter("gossipkv_sync_answer_chunks_out_total", ("phase", phase)).increment()
        counter("gossipkv_sync_answer_bytes_out_total", ("phase", phase)).increment(by: bytes)
    }

    /// A message sealed with a per-pair MAC rather than a signature (SWIM messages to a member
    /// we share a pair key with).
    public func sealedWithPairMAC() {
        pairMACCounter.increment()
        pairMACs.withLockedValue { $0 += 1 }
    }

    /// Messages sealed with a per-pair MAC so far (also `gossipkv_pair_mac_messages_out_total`).
    public var pairMACMessagesOut: Int { pairMACs.withLockedValue { $0 } }

    /// Every dropped message or refused entry, by reason (unknown sender, bad signature, wrong
    /// cluster, clock poisoning, replay, oversize, malformed, ...).
    public func rejected(reason: String) {
        counter("gossipkv_rejects_total", ("reason", reason)).increment()
        rejections.withLockedValue { $0[reason, default: 0] += 1 }
    }

    /// An authenticator (signature or pair MAC) was checked: the expensive step every cheap
    /// rejection exists to avoid (`gossipkv_authenticator_checks_total`).
    public func authenticatorChecked() {
        counter("gossipkv_authenticator_checks_total", ("kind", "envelope")).increment()
        authenticatorCheckCount.withLockedValue { $0 += 1 }
    }

    /// A revoked node's entries dropped from the map (`gossipkv_revoked_entries_dropped_total`).
    public func revokedEntriesDropped(_ count: Int) {
        guard count > 0 else { return }
        counter("gossipkv_revoked_entries_dropped_total", ("kind", "entry")).increment(by: Int64(count))
    }

    /// Authenticator checks so far.
    public var authenticatorChecks: Int { authenticatorCheckCount.withLockedValue { $0 } }

    /// A gossip stream was closed (or refused), by reason: `handshake_oversize`,
    /// `handshake_timeout`, `cap_pending_source`, `idle`, `peer_closed`, ...
    public func streamClosed(reason: String) {
        counter("gossipkv_stream_closes_total", ("reason", reason)).increment()
        streamCloses.withLockedValue { $0[reason, default: 0] += 1 }
    }

    /// Stream closes so far, by reason (also `gossipkv_stream_closes_total`).
    public var streamCloseCounts: [String: Int] { streamCloses.withLockedValue { $0 } }

    /// Rejections so far, by reason (also exported as `gossipkv_rejects_total`): for INFO and tests.
    public var rejectionCounts: [String: Int] { rejections.withLockedValue { $0 } }

    public func members(state: String, count: Int) {
        let gauge = gauges.withLockedValue { cache in
            if let gauge = cache[state] { return gauge }
            let gauge = Gauge(
                label: "gossipkv_members", dimensions: labels + [("state", state)], factory: factory)
            cache[state] = gauge
            return gauge
        }
        gauge.record(count)
    }
}
