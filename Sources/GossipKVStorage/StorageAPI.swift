import GossipKVCore

// API CONTRACT between the storage module and the node integration: the value types live here;
// `Storage` (Storage.swift), `StorageError` (StorageError.swift) and the file formats
// (LogRecord.swift, LogSegment.swift, SnapshotFile.swift) implement it.

/// When an appended record is forced to disk.
///
/// Under every policy an append is one `write(2)` before it returns, so a returned append
/// survives `kill -9` of the process (the kernel has it). The policies differ on a power cut or a
/// kernel crash, which can lose what the kernel had not written out:
///
/// | policy | loss window on power cut | cost |
/// |---|---|---|
/// | `always` | nothing acknowledged by `waitUntilDurable` | one fsync per group of concurrent waiters (a few ms on disks, more under load) |
/// | `batch` | the last `batchIntervalMilliseconds` (100 ms by default) | one fsync per interval, on a background thread |
/// | `never` | whatever the OS had not flushed (Linux: up to ~30 s) | none |
///
/// Snapshots are fsynced under every policy: writing one deletes the log it covers.
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
    /// Every entry held (snapshot + log replayed, later records winning by LWW order), as the map
    /// the node can adopt directly: building it was part of recovery, so this costs nothing.
    public var map: LWWMap
    /// Every entry held, sorted by key. Built from `map` on each read (O(n log n), about a second
    /// at 1M keys): prefer `map`.
    public var entries: [Entry] {
        get { map.sortedEntries() }
        set {
            map = LWWMap()
            map.reserveCapacity(newValue.count)
            for entry in newValue { map.merge(entry) }
        }
    }
    /// The watermarks last logged (they are logged after the entries they cover).
    public var digest: Digest
    /// Restart the clock above this (the persisted HLC ceiling).
    public var clockCeiling: HLCTimestamp
    /// True when the directory held no earlier data (a new node).
    public var isFresh: Bool
    /// Human-readable lines about what recovery did (snapshot used, records replayed, a torn tail
    /// cut at segment/offset), for the node's log.
    public var report: [String]

    init(map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp, isFresh: Bool, report: [String]) {
        self.map = map
        self.digest = digest
        self.clockCeiling = clockCeiling
        self.isFresh = isFresh
        self.report = report
    }
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

/// Counters for metrics and tests (a consistent copy, taken under the storage's lock).
public struct StorageStatistics: Sendable, Equatable {
    /// Records appended since open.
    public var appendedRecords = 0
    /// Bytes appended to the log since open (headers of records included, segment headers not).
    public var appendedBytes = 0
    /// fsync calls on log segments since open (group commits, timer flushes, rolls, close).
    public var fsyncs = 0
    /// `waitUntilDurable` calls that had to wait for an fsync (`always` only).
    public var durableWaits = 0
    /// Snapshots written since open.
    public var snapshotsWritten = 0
    /// The sequence number of the segment being appended to.
    public var currentSegment: UInt64 = 0
    /// Log bytes since the last snapshot (what `isSnapshotDue` compares).
    public var logBytesSinceSnapshot = 0

    public init() {}
}
