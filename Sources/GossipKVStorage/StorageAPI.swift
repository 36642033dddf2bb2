import GossipKVCore

// API CONTRACT between the storage module (helper "storage-module") and the node integration
// (helper "storage-node"). Both build against these signatures; the module helper replaces the
// placeholder bodies and may add to (not remove from) this API. Split into proper files freely.

/// When an appended record is forced to disk.
public enum FsyncPolicy: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Acknowledge after fsync; concurrent writers share one fsync (group commit).
    case always
    /// fsync every `batchIntervalMilliseconds` (the default): a power cut loses at most that window;
    /// `kill -9` loses nothing (records are written to the OS before the write is acknowledged).
    case batch
    /// Never fsync (the OS flushes when it likes); `kill -9` still loses nothing.
    case never

    public var description: String { rawValue }
}

public struct StorageConfiguration: Sendable, Equatable {
    /// The data directory (created when missing). Holds the lock file, log segments and snapshots.
    public var directory: String
    public var fsync: FsyncPolicy = .batch
    public var batchIntervalMilliseconds: UInt64 = 100
    /// A new log segment starts past this size.
    public var segmentBytes: Int = 64 * 1024 * 1024
    /// A snapshot is due once the log since the last one holds this many bytes.
    public var snapshotAfterLogBytes: Int = 64 * 1024 * 1024
    /// Cut a corrupt record in the middle of a segment (and what follows it in that segment)
    /// instead of refusing to start.
    public var repair = false

    public init(directory: String) { self.directory = directory }
}

/// What recovery found on disk.
public struct RecoveredState: Sendable {
    /// Every entry held (snapshot + log replayed, later records winning by LWW order).
    public var entries: [Entry]
    /// The watermarks last logged (they are logged after the entries they cover).
    public var digest: Digest
    /// Restart the clock above this (the persisted HLC ceiling).
    public var clockCeiling: HLCTimestamp
    /// True when the directory held no earlier data (a new node).
    public var isFresh: Bool
    /// Human-readable lines about what recovery did (snapshot used, records replayed, a torn tail
    /// cut at segment/offset), for the node's log.
    public var report: [String]
}

/// The state a snapshot captures. Taken in one actor turn, together with `beginSnapshot`.
public struct SnapshotState: Sendable {
    public var map: LWWMap
    public var digest: Digest
    public var clockCeiling: HLCTimestamp

    public init(map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp) {
        self.map = map
        self.digest = digest
        self.clockCeiling = clockCeiling
    }
}

public enum StorageError: Error, Sendable, CustomStringConvertible {
    case placeholder

    public var description: String { "storage is not built yet" }
}

/// The data directory of one node: lock, write-ahead log, snapshots.
/// Thread-safe; appends are synchronous `write(2)`s so a returned append survives `kill -9`.
public final class Storage: @unchecked Sendable {
    /// Locks the directory (flock; a second node gets a clear error naming the holder), recovers
    /// its state, and opens the log for appending.
    public static func open(_ configuration: StorageConfiguration, limits: Limits = .standard)
        throws(StorageError) -> (Storage, RecoveredState)
    { throw .placeholder }

    public let configuration: StorageConfiguration

    init(configuration: StorageConfiguration) { self.configuration = configuration }

    /// Appends one applied entry (local or remote).
    public func append(_ entry: Entry) throws(StorageError) { throw .placeholder }
    /// Appends the watermarks (after the entries they cover).
    public func appendWatermarks(_ digest: Digest) throws(StorageError) { throw .placeholder }
    /// Appends a new HLC ceiling: the clock will restart above it.
    public func appendClockCeiling(_ ceiling: HLCTimestamp) throws(StorageError) { throw .placeholder }
    /// Returns once everything appended before the call is on disk (fsync; group commit: one
    /// fsync serves every waiter). With `batch`/`never` it returns at once.
    public func waitUntilDurable() async throws(StorageError) { throw .placeholder }
    /// Whether the log has grown past `snapshotAfterLogBytes` since the last snapshot.
    public var isSnapshotDue: Bool { false }
    /// Rolls the log to a new segment now (synchronously), then writes `state` in the background
    /// (temp file, fsync, rename, directory fsync) and deletes the segments it covers.
    public func beginSnapshot(_ state: SnapshotState) throws(StorageError) -> Task<Void, any Error> {
        throw .placeholder
    }
    /// Final fsync; releases the lock.
    public func close() throws(StorageError) { throw .placeholder }
}
