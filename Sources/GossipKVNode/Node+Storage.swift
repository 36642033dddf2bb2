import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVStorage
import Logging

/// Why a client write got no acknowledgement. Messages say what the client can do about it.
public enum NodeWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The write breaks a cluster limit; nothing was written.
    case refused(WriteError)
    /// The data directory failed (disk full, I/O error). The node refuses writes from then on;
    /// a write that failed this way may still be held in memory and replicate.
    case notDurable(directory: String, reason: String)
    /// The node is shutting down.
    case stopping

    public var description: String {
        switch self {
        case let .refused(error): return error.description
        case let .notDurable(directory, reason):
            return "this node cannot write to its data directory \(directory) (\(reason)); it refuses writes "
                + "until restarted. Write through another node"
        case .stopping: return "this node is shutting down; write through another node"
        }
    }
}

/// Why a node did not start. Messages name the directory and say what to do.
public enum NodeStartError: Error, Sendable, CustomStringConvertible {
    case storage(directory: String, StorageError)
    /// The keyring in the data directory cannot be read or written.
    case keyring(KeyringError)

    public var description: String {
        switch self {
        case let .keyring(error): return "cannot start with this keyring: \(error)"
        case let .storage(directory, error):
            var text = "cannot open the data directory \(directory): \(error)"
            if error.isRepairable {
                text +=
                    ". Repair: `gossipkv node --repair` (or GOSSIPKV_REPAIR=true, or `repair: true` in the config "
                    + "file) cuts the damaged records once; this node then gets them back from its peers"
            }
            return text
        }
    }
}

extension StorageError {
    /// Damage that `--repair` can cut (as opposed to a held lock or an I/O error).
    var isRepairable: Bool {
        switch self {
        case .corruptLog, .corruptSnapshot, .missingSegment: return true
        default: return false
        }
    }
}

/// The node's durable state between turns: what was last logged, and the snapshot in flight.
/// A class, owned by the node's actor and never shared: as an optional struct every read of a
/// field on the write path (`checkWritable`, `persist`, `refreshTimer`) copied all of it, with
/// a retain and release per field, 2-3 % of a node's CPU under unpipelined SETs.
final class NodeDurability {
    let storage: Storage
    /// The clock never issues a timestamp above this without logging a higher one first.
    var clockCeiling: HLCTimestamp
    /// The watermarks last appended to the log.
    var loggedDigest: Digest
    /// The first failure of the data directory; writes are refused from then on.
    var failure: StorageError?
    var snapshotTask: Task<Void, Never>?
    var isClosed = false
    /// The storage's counters as last copied into the metrics.
    var reportedStatistics = StorageStatistics()
    /// Watermarks logged but not yet known fsynced.
    var pendingDurable = PendingDurableDigests()

    init(storage: Storage, clockCeiling: HLCTimestamp, loggedDigest: Digest) {
        self.storage = storage
        self.clockCeiling = clockCeiling
        self.loggedDigest = loggedDigest
    }

    var directory: String { storage.configuration.directory }

    /// Whether a clock that may reach `reach` (milliseconds) needs a new ceiling logged first.
    func ceilingReached(by reach: UInt64) -> Bool {
        failure == nil && !isClosed && reach >= clockCeiling.physical
    }
}

extension Node {
    /// How far ahead of the clock the persisted ceiling is set. A renewal is one small record,
    /// at most about every `ceilingLead - maxOffset` milliseconds.
    static let ceilingLeadMilliseconds: UInt64 = 1_000

    /// Locks and recovers the data directory (before anything binds), logging what recovery did.
    static func openStorage(_ configuration: StorageConfiguration, limits: Limits, logger: Logger)
        throws(NodeStartError) -> (Storage, RecoveredState)
    {
        let opened: (Storage, RecoveredState)
        do {
            opened = try Storage.open(configuration, limits: limits)
        } catch {
            throw .storage(directory: configuration.directory, error)
        }
        let recovered = opened.1
        let what =
            recovered.isFresh
            ? "a new data directory"
            : "recovered \(recovered.map.count) entries, \(recovered.digest.count) watermarks"
        logger.info(
            "data lives in \(configuration.directory) (fsync \(configuration.fsync)): \(what)",
            metadata: ["storage.directory": "\(configuration.directory)"])
        for line in recovered.report { logger.info("recovery: \(line)") }
        return opened
    }

    /// A new data epoch from the system's random number generator: never 0 (the node id itself)
    /// nor `current`. Random rather than counted, so that a node that forgot its epochs (a wiped
    /// directory, a node in memory) still never reuses one.
    static func randomEpoch(other current: UInt64) -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        var epoch = generator.next() as UInt64
        while epoch == 0 || epoch == current { epoch = generator.next() }
        return epoch
    }

    /// Logs a ceiling above every timestamp the clock may issue or merge soon: the clock issues
    /// at most `max(now, last) + 1` and merges at most `now + maxOffset`. Called before every
    /// clock-moving input and from the timer, so the persisted ceiling is never reached. The
    /// record is fsynced before this returns whatever the fsync policy, so the clock never goes
    /// past a ceiling that is not durable (a power cut and a clock stepped back must not let the
    /// next run reuse a timestamp); `clockCeiling` moves only after that fsync.
    func renewClockCeilingIfNeeded(now: UInt64) {
        let reach =
            max(now, core.engine.replica.clock.last.physical) + configuration.maxClockOffsetMilliseconds
        guard let durability, durability.ceilingReached(by: reach) else { return }
        writeUnloggedWrites()
        let ceiling = HLCTimestamp(
            physical: reach + max(Self.ceilingLeadMilliseconds, configuration.maxClockOffsetMilliseconds))
        do {
            try durability.storage.appendClockCeilingDurably(ceiling)
            durability.clockCeiling = ceiling
        } catch {
            durability.failure = error
            logger.error(
                "cannot log the clock ceiling in \(durability.directory): \(error); writes are refused now")
        }
    }

    /// The log while it takes appends: nil without a data directory, after a failure of it, or
    /// once it is closed.
    var appendableLog: Storage? {
        guard let durability, durability.failure == nil, !durability.isClosed else { return nil }
        return durability.storage
    }

    /// Appends a directive batch's map changes (remote entries applied, removals of collected
    /// entries) with one `write(2)`. A failure refuses later writes.
    func persist(_ changes: [LoggedChange]) {
        writeUnloggedWrites()
        guard !changes.isEmpty, let storage = appendableLog else { return }
        do {
            try storage.append(changes: changes)
        } catch {
            storageFailed(error, doing: "append \(changes.count) records")
        }
    }

    /// Appends applied local writes with one `write(2)`, after the deferred ones. A failure
    /// refuses later writes.
    func persist(_ entries: [Entry]) -> Bool {
        writeUnloggedWrites()
        return appendToLog(entries)
    }

    /// `persist` without writing the deferred writes first (`writeUnloggedWrites` itself).
    func appendToLog(_ entries: [Entry]) -> Bool {
        guard let storage = appendableLog else { return durability == nil }
        do {
            try storage.append(entries: entries)
            return true
        } catch {
            storageFailed(error, doing: "append \(entries.count) entries")
            return false
        }
    }

    /// Logs the watermarks when they moved, after the engine call whose entries they cover
    /// (those were appended as they were applied, so the log never claims more than it holds).
    /// Local writes leave this to the next tick (their push window arms one within milliseconds):
    /// a lagging watermark only claims less, which costs a little extra sync after a crash.
    func persistDigestIfChanged() {
        writeUnloggedWrites()
        guard let durability, durability.failure == nil, !durability.isClosed,
            engine.replica.digest != durability.loggedDigest
        else { return }
        let digest = engine.replica.digest
        do {
            try durability.storage.appendWatermarks(digest)
            self.durability?.loggedDigest = digest
            if durability.storage.configuration.fsync == .never {
                // Nothing is ever fsynced on purpose: what the kernel holds is all there is.
                core.markDurable(digest)
            } else {
                self.durability?.pendingDurable.logged(digest, at: durability.storage.appendedPosition)
            }
        } catch {
            storageFailed(error, doing: "log the watermarks")
        }
        advanceDurableDigest()
    }

    /// Hands the engine the newest logged watermarks an fsync covered.
    func advanceDurableDigest() {
        guard let durable = durability?.storage.durablePosition,
            let digest = durability?.pendingDurable.covered(upTo: durable)
        else { return }
        core.markDurable(digest)
    }

    func storageFailed(_ error: StorageError, doing what: String) {
        guard durability?.failure == nil else { return }
        durability?.failure = error
        let directory = durability?.directory ?? "the data directory"
        logger.error("cannot \(what) in \(directory): \(error); this node refuses writes from now on")
    }

    /// Throws when a client write cannot be made durable.
    func checkWritable() throws(NodeWriteError) {
        guard !isShuttingDown else { throw .stopping }
        guard let durability else { return }
        if durability.isClosed { throw .stopping }
        if let failure = durability.failure {
            throw .notDurable(directory: durability.directory, reason: failure.description)
        }
    }

    /// With `--fsync always`, returns once the write is on disk (group commit: concurrent
    /// writers suspend here together and share one fsync). Otherwise returns at once.
    /// Whether a write's reply waits for an fsync (`--fsync always`).
    var repliesWaitForFsync: Bool { durability?.storage.configuration.fsync == .always }

    func waitUntilDurable() async throws(NodeWriteError) {
        writeUnloggedWrites()
        guard let storage = durability?.storage, storage.configuration.fsync == .always else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try await storage.waitUntilDurable()
        } catch {
            storageFailed(error, doing: "fsync the log")
            throw .notDurable(directory: storage.configuration.directory, reason: error.description)
        }
        metrics.walFsyncDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }

    /// Starts a snapshot when the log has grown enough and none is running.
    func snapshotIfDue() {
        guard let durability, durability.snapshotTask == nil, durability.failure == nil, !durability.isClosed,
            durability.storage.isSnapshotDue
        else { return }
        startSnapshot()
    }

    /// Captures the state in this actor turn (the map is copy-on-write) and hands it to the
    /// storage, which writes it in the background.
    @discardableResult
    /// `closing`: the final snapshot of a clean shutdown, after which the clock moves no more;
    /// it records the clock's exact last value as the ceiling, so that the next start under the
    /// same epoch resumes there instead of up to `ceilingLeadMilliseconds` plus the max offset
    /// ahead of wall time (which peers would refuse as clock poisoning until wall time caught up,
    /// and which grew with every quick restart).
    func startSnapshot(closing: Bool = false) -> Task<Void, Never>? {
        writeUnloggedWrites()
        guard let durability, durability.failure == nil else { return nil }
        let ceiling = closing ? engine.replica.clock.last : durability.clockCeiling
        let state = SnapshotState(
            map: engine.replica.map, digest: engine.replica.digest, clockCeiling: ceiling)
        let writing: Task<Void, any Error>
        do {
            writing = try durability.storage.beginSnapshot(state)
        } catch {
            storageFailed(error, doing: "start a snapshot")
            return nil
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let entries = state.map.count
        let task = Task { [weak self] in
            do {
                try await writing.value
                guard let self else { return }
                self.metrics.snapshotDuration.recordNanoseconds(
                    Int64(DispatchTime.now().uptimeNanoseconds - started))
                let milliseconds = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
                self.logger.info("snapshot of \(entries) entries written in \(milliseconds) ms")
            } catch {
                // A failed snapshot loses nothing (the log still holds everything); try again later.
                self?.logger.warning("snapshot failed: \(error); the log keeps everything, will retry")
            }
            await self?.snapshotFinished()
        }
        self.durability?.snapshotTask = task
        return task
    }

    private func snapshotFinished() { durability?.snapshotTask = nil }

    /// On shutdown: logs the exact watermarks, waits for a running snapshot, writes a final one
    /// (so the next start replays little), then fsyncs, clears the running marker and releases
    /// the lock. Nothing is appended after this starts. The next start under the same epoch
    /// adopts the own watermark as logged here: exactly this run's last own write.
    func closeStorage() async {
        writeUnloggedWrites()
        guard let current = durability, !current.isClosed else { return }
        persistDigestIfChanged()
        durability?.isClosed = true
        await current.snapshotTask?.value
        await startSnapshot(closing: true)?.value
        recordStorageMetrics()
        do {
            // After a failure something applied may be missing from the log: the next start
            // must take a new epoch, so the directory stays marked running.
            try current.storage.close(markClean: durability?.failure == nil)
            logger.info("data directory \(current.directory) closed")
        } catch {
            logger.error("closing the data directory \(current.directory) failed: \(error)")
        }
    }

    /// Copies the storage's counters into the metrics (before a scrape, and at close).
    func recordStorageMetrics() {
        guard let durability else { return }
        let current = durability.storage.statistics
        let last = durability.reportedStatistics
        metrics.walAppends.increment(by: max(0, current.appendedRecords - last.appendedRecords))
        metrics.walBytes.increment(by: max(0, current.appendedBytes - last.appendedBytes))
        metrics.walFsyncs.increment(by: max(0, current.fsyncs - last.fsyncs))
        metrics.walDurableWaits.increment(by: max(0, current.durableWaits - last.durableWaits))
        metrics.snapshots.increment(by: max(0, current.snapshotsWritten - last.snapshotsWritten))
        self.durability?.reportedStatistics = current
        metrics.storageBytes.record(Self.directoryBytes(durability.directory))
    }

    /// Bytes of the data directory's files (for the `gossipkv_storage_bytes` gauge).
    nonisolated static func directoryBytes(_ path: String) -> Int {
        guard let names = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] else {
            return 0
        }
        return names.reduce(0) { total, name in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name),
                attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int
            else { return total }
            return total + size
        }
    }
}

extension Node {
    /// This run's data epoch (0 until the node's first possible loss of data).
    public nonisolated var dataEpoch: UInt64 { epoch }

    /// The origin this run's writes are stamped with: `NodeID.origin(node: id, epoch: dataEpoch)`.
    public nonisolated var origin: NodeID { NodeID.origin(node: id, epoch: epoch) }

    /// The HLC ceiling last logged (the next start's clock begins above it); nil when in memory.
    public func persistedClockCeiling() -> HLCTimestamp? { durability?.clockCeiling }

    /// The highest clock ceiling the storage has fsynced (nil when in memory): the clock never
    /// issues a timestamp above it.
    public func durableClockCeiling() -> HLCTimestamp? { durability?.storage.statistics.durableClockCeiling }

    /// The data directory, or nil for an in-memory node.
    public nonisolated var dataDirectory: String? { configuration.storage?.directory }
}
