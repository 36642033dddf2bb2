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
    /// True when the directory held no earlier data (a new node): no log, no snapshot, no epoch file.
    public var isFresh: Bool
    /// Human-readable lines about what recovery did (snapshot used, records replayed, a torn tail
    /// cut at segment/offset), for the node's log.
    public var report: [String]
    /// The data epoch the directory recorded (0 when it recorded none). `Storage.open` has
    /// already marked the directory running under it; `Storage.beginEpoch` moves to a new one.
    public var dataEpoch: UInt64 = 0
    /// Why writes of an earlier run may be missing (empty when the last run closed cleanly and
    /// recovery cut nothing). Any of them means the node MUST start a new data epoch.
    public var possibleLosses: [PossibleLoss] = []
    /// True when some write of an earlier run may be missing (`possibleLosses` is not empty).
    public var mayHaveLostData: Bool { !possibleLosses.isEmpty }

    init(map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp, isFresh: Bool, report: [String]) {
        self.map = map
        self.digest = digest
        self.clockCeiling = clockCeiling
        self.isFresh = isFresh
        self.report = report
    }
}

/// Why recovery cannot vouch that the directory holds every write of the runs before.
public enum PossibleLoss: Equatable, Sendable, CustomStringConvertible {
    /// A torn tail was cut off the newest segment (a crash during an append; after a power cut,
    /// records before it that were not fsynced may be gone too).
    case tornTail(segment: String, offset: Int)
    /// `repair` cut or skipped damaged records, segments or snapshots.
    case repairCut(String)
    /// The last run did not close the directory (crash, `kill -9`, power cut): records it had
    /// not fsynced may be gone even where recovery found nothing to cut, and its pushes may have
    /// told peers about writes the log lost.
    case uncleanShutdown
    /// The directory holds data but no epoch file (written before epochs existed, or the file
    /// was removed): whether its last run closed cleanly is unknown.
    case noEpochRecord
    /// The epoch file is damaged; the epoch it held is unknown.
    case unreadableEpochRecord(String)

    public var description: String {
        switch self {
        case .tornTail(let segment, let offset):
            return "a torn tail was cut from \(segment) at offset \(offset)"
        case .repairCut(let what): return "repair cut \(what)"
        case .uncleanShutdown: return "the last run did not close the data directory"
        case .noEpochRecord: return "the data directory has no epoch file"
        case .unreadableEpochRecord(let reason): return "the epoch file is unreadable (\(reason))"
        }
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
    /// The highest clock ceiling known on disk (`appendClockCeilingDurably`); zero before one.
    public var durableClockCeiling = HLCTimestamp.zero
    /// Writes of the epoch file since open (the running marker, a new epoch, the clean close).
    public var epochFileWrites = 0

    public init() {}
}
