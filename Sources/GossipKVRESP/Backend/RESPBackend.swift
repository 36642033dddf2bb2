import GossipKVCore

/// The store a `RESPServer` serves: one node's replica, seen through the few operations the
/// Redis commands need. The node implements it over its replica and gossip engine; tests
/// implement it over a bare `Replica`. Keeping the server behind this protocol lets it be built
/// and tested without the node.
///
/// Read-modify-write commands (INCR, SET NX/XX/GET, GETDEL, EXPIRE, PERSIST) are built from
/// `entry`/`get` then `put`/`delete`: each writes a whole new entry with its own HLC tick, and
/// concurrent ones on different nodes resolve by last-writer-wins, not as counters.
public protocol RESPBackend: Sendable {
    /// The value a read sees now: nil when absent, deleted or expired.
    func get(_ key: [UInt8]) async -> [UInt8]?
    /// The entry held for `key`, tombstones and expired entries included (for TTL, EXPIRE and
    /// PERSIST, which need the deadline and must tell "expired" from "never set").
    func entry(_ key: [UInt8]) async -> Entry?
    /// The HLC "now" that reads use: expiry deadlines are compared with it.
    func readTime() async -> HLCTimestamp
    /// A local write. Throws when the node refuses it (a key or value past the cluster limits,
    /// a clock behind the cluster); the error's description goes to the client.
    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) async throws -> Entry
    /// A local delete: writes a tombstone.
    func delete(_ key: [UInt8]) async throws -> Entry
    /// Every live key (not deleted, not expired), sorted bytewise.
    func keys() async -> [[UInt8]]
    /// Node, membership and anti-entropy state for INFO's `cluster` section and MEMBERS.
    func clusterInfo() async -> RESPClusterInfo
    /// Every change applied from now on, local and replicated, for keyspace notifications. Each
    /// call returns a new stream; ending its iteration unsubscribes. A slow reader SHOULD lose
    /// old changes rather than hold up writes (`.bufferingNewest`).
    func changes() -> AsyncStream<Entry>
    /// `changes()` plus this node's expiries (`expired` keyspace events). The default is
    /// `changes()` alone: a backend that does not watch deadlines sends no `expired` events.
    func keyspaceChanges() -> AsyncStream<KeyspaceChange>

    /// Live and expiring key counts (DBSIZE, INFO keyspace). The default walks `keys()`.
    func keyspaceStats() async -> RESPKeyspaceStats
    /// One page of SCAN (see `RESPScanPage`). The default sorts `keys()` by cursor order; a
    /// backend with an index in that order can answer in time proportional to the page.
    func scan(cursor: UInt64, count: Int) async -> RESPScanPage
    /// Plain GETs and SETs of one pipelined batch, in order, each as `get` or `put(expiry: nil)`
    /// would do it. The default calls those one by one; a backend behind an actor SHOULD run the
    /// whole run in one call to it (one hop per run instead of one per command).
    func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult]
    /// `perform`, on the calling thread (a connection's event loop), when the backend can do it
    /// there without waiting; nil otherwise, and the connection then calls `perform`. A backend
    /// whose state lives on the event loop answers a pipelined batch with no thread hop at all.
    func performNow(_ operations: [RESPOperation]) -> [RESPOperationResult]?
    /// Called on the event loop right after `performNow`: true when replies must wait for a log
    /// write the backend deferred to the end of this turn of the loop (the writes of every plain
    /// batch the turn ran, logged with one `write(2)`, as Redis writes its AOF in `beforeSleep`
    /// before it sends replies). `body` then runs on the loop once that write is done, with
    /// false when it failed (the replies must not go out). False: nothing waits, `body` is
    /// dropped. The default is false.
    func afterDeferredLogWrite(_ body: @escaping @Sendable (_ logged: Bool) -> Void) -> Bool
    /// KEYRING: lists or changes the node's data keys; returns the keyring after the change.
    /// Throws with a message for the client when the change is refused. The default refuses.
    func keyring(_ request: RESPKeyringRequest) async throws -> RESPKeyringState
}

/// Counts for DBSIZE and INFO's keyspace line.
public struct RESPKeyspaceStats: Sendable, Equatable {
    public var keys: Int
    /// Live keys with an expiry deadline.
    public var expiring: Int

    public init(keys: Int, expiring: Int) {
        self.keys = keys
        self.expiring = expiring
    }
}

/// One keyspace notification's cause: an applied write (local or replicated), or the
/// entry's deadline passing on this node.
public struct KeyspaceChange: Sendable, Equatable {
    public var entry: Entry
    public var expired: Bool

    public init(entry: Entry, expired: Bool = false) {
        self.entry = entry
        self.expired = expired
    }
}

extension RESPBackend {
    public func keyring(_ request: RESPKeyringRequest) async throws -> RESPKeyringState {
        throw KeyringUnsupported()
    }

    public func keyspaceChanges() -> AsyncStream<KeyspaceChange> {
        let source = changes()
        return AsyncStream(bufferingPolicy: .bufferingNewest(4_096)) { continuation in
            let task = Task {
                for await entry in source { continuation.yield(KeyspaceChange(entry: entry)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func keyspaceStats() async -> RESPKeyspaceStats {
        let live = await keys()
        var expiring = 0
        for key in live where await entry(key)?.expiry != nil { expiring += 1 }
        return RESPKeyspaceStats(keys: live.count, expiring: expiring)
    }

    public func scan(cursor: UInt64, count: Int) async -> RESPScanPage {
        RESPScanPage.page(of: await keys(), cursor: cursor, count: count)
    }
}
