import Dispatch
import GossipKVCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory of one node: lock, write-ahead log, snapshots.
/// Thread-safe; appends are synchronous `write(2)`s so a returned append survives `kill -9`.
///
/// Directory layout: `LOCK` (flock, holder's pid), `EPOCH` (the data epoch and the running
/// marker, see `DataEpochFile`), `log-<16 hex>.wal` segments (see `SegmentHeader`, `LogRecord`),
/// `snap-<16 hex>.snap` snapshots named after the first segment they do not cover (see
/// `SnapshotFile`), `*.tmp` snapshots being written.
///
/// Data epochs: `open` marks the directory running (durably, before the first append) and
/// reports in `RecoveredState.possibleLosses` anything that may have lost writes of an earlier
/// run, including the marker found still set (the last run did not close). The node then starts
/// a new epoch with `beginEpoch`; `close` clears the marker once everything is fsynced.
///
/// Concurrency: one mutex guards the append position; appends hold it only for the `write(2)`.
/// fsyncs run on a serial background queue, outside the mutex, so appends continue during one.
/// Under `always`, waiters queue with the log position they need; the fsync in flight serves
/// those it covers and the next one serves everybody who queued meanwhile (group commit: at most
/// one fsync in flight, so N concurrent writers cost far fewer than N fsyncs).
public final class Storage: @unchecked Sendable {
    public let configuration: StorageConfiguration
    let limits: Limits
    private let directoryLock: DirectoryLock
    private let state: Mutex<State>
    private let flushQueue = DispatchQueue(label: "gossipkv.storage.fsync")
    private let snapshotQueue = DispatchQueue(label: "gossipkv.storage.snapshot")
    private let timer: DispatchSourceTimer?

    typealias Continuation = CheckedContinuation<Result<Void, StorageError>, Never>

    struct Waiter {
        /// The log position (bytes appended since open) that must be durable.
        var target: UInt64
        var continuation: Continuation
    }

    struct State {
        var segment: FileDescriptor
        var segmentSize: Int
        /// Bytes appended since open: the log position waiters wait for.
        var appended: UInt64 = 0
        /// The position known fsynced.
        var durable: UInt64 = 0
        var waiters: [Waiter] = []
        var flushScheduled = false
        var snapshotInProgress = false
        var failure: StorageError?
        var closed = false
        var statistics = StorageStatistics()
        /// The data epoch the `EPOCH` file holds.
        var dataEpoch: UInt64
        /// Whether `close` may clear the running marker: false after an open that found the
        /// directory new or reported a possible loss, until `beginEpoch` names the epoch to use.
        var epochConfirmed: Bool
        /// Tests only: each group-commit fsync first sleeps this long, standing in for a slow disk
        /// so that contention (and so grouping) does not depend on the test machine's disk.
        var slowFsyncMicroseconds: UInt32 = 0
    }

    /// Tests only (see `State.slowFsyncMicroseconds`).
    func simulateSlowFsync(microseconds: UInt32) {
        state.withLock { $0.slowFsyncMicroseconds = microseconds }
    }

    /// Locks the directory (flock; a second node gets a clear error naming the holder), recovers
    /// its state, and opens the log for appending (always in a new segment, so nothing is ever
    /// appended after bytes recovery did not read).
    public static func open(_ configuration: StorageConfiguration, limits: Limits = .standard)
        throws(StorageError) -> (Storage, RecoveredState)
    {
        let directory = configuration.directory
        try Posix.makeDirectory(directory)
        let lock = try DirectoryLock.acquire(directory: directory)
        let names = try Posix.listDirectory(directory)
        let epochRecord = try DataEpochFile.read(directory: directory)
        if case .failure(.unsupportedVersion(let version)) = epochRecord {
            throw .unsupportedFormat(
                file: DataEpochFile.fileName, reason: "epoch file format version \(version)")
        }
        let plan = try Recovery.plan(
            directory: directory, names: names, repair: configuration.repair, limits: limits)
        try Recovery.apply(plan, directory: directory)
        var state = plan.state
        switch epochRecord {
        case nil:
            if !state.isFresh { state.possibleLosses.append(.noEpochRecord) }
        case .success(let record):
            state.isFresh = false
            state.dataEpoch = record.epoch
            if record.running { state.possibleLosses.append(.uncleanShutdown) }
        case .failure(let error):
            state.isFresh = false
            state.possibleLosses.append(.unreadableEpochRecord(error.description))
        }
        for loss in state.possibleLosses { state.report.append("possible loss of earlier writes: \(loss)") }
        // The running marker goes down before anything else can be written.
        try DataEpochFile.write(
            DataEpochFile.Record(epoch: state.dataEpoch, running: true), directory: directory)
        let storage = try Storage(
            configuration: configuration, limits: limits, lock: lock, plan: plan, dataEpoch: state.dataEpoch,
            epochConfirmed: !state.isFresh && !state.mayHaveLostData)
        return (storage, state)
    }

    private init(
        configuration: StorageConfiguration, limits: Limits, lock: DirectoryLock, plan: Recovery.Plan,
        dataEpoch: UInt64,
        epochConfirmed: Bool
    ) throws(StorageError) {
        self.configuration = configuration
        self.limits = limits
        self.directoryLock = lock
        let segment = try Self.createSegment(
            plan.nextSegment, in: configuration.directory, sync: configuration.fsync != .never)
        var initial = State(
            segment: segment, segmentSize: SegmentHeader.size, dataEpoch: dataEpoch,
            epochConfirmed: epochConfirmed)
        initial.statistics.epochFileWrites = 1
        initial.statistics.currentSegment = plan.nextSegment
        initial.statistics.logBytesSinceSnapshot = plan.logBytes
        state = Mutex(initial)
        if configuration.fsync == .batch {
            let timer = DispatchSource.makeTimerSource(queue: flushQueue)
            let interval = DispatchTimeInterval.milliseconds(
                Int(max(1, configuration.batchIntervalMilliseconds)))
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
            self.timer = timer
            timer.setEventHandler { [weak self] in self?.flushIfBehind() }
            timer.resume()
        } else {
            timer = nil
        }
    }

    deinit { timer?.cancel() }

    // MARK: Appending

    /// Appends one applied entry (local or remote).
    public func append(_ entry: Entry) throws(StorageError) { try append(record: .entry(entry)) }

    /// Appends the watermarks (after the entries they cover).
    public func appendWatermarks(_ digest: Digest) throws(StorageError) {
        try append(record: .watermarks(digest))
    }

    /// Appends a new HLC ceiling: the clock will restart above it. Follows the fsync policy; a
    /// node uses `appendClockCeilingDurably`.
    public func appendClockCeiling(_ ceiling: HLCTimestamp) throws(StorageError) {
        try append(record: .clockCeiling(ceiling))
    }

    /// Appends a new HLC ceiling and fsyncs the log before returning, whatever the fsync policy:
    /// a clock MUST NOT issue a timestamp above a ceiling that is not yet durable, or a power cut
    /// with a clock stepped back could make the next run reuse one. Synchronous (one fsync on the
    /// caller's thread); renewals are rare (about one a second), so this costs little.
    public func appendClockCeilingDurably(_ ceiling: HLCTimestamp) throws(StorageError) {
        try append(record: .clockCeiling(ceiling))
        try syncNow()
        state.withLock { s in
            s.statistics.durableClockCeiling = max(s.statistics.durableClockCeiling, ceiling)
        }
    }

    /// The data epoch recorded in the directory.
    public var dataEpoch: UInt64 { state.withLock { $0.dataEpoch } }

    /// Records `epoch` as the directory's data epoch (durably: the epoch file is replaced and
    /// fsynced, directory included, before this returns). The caller MUST call it right after
    /// `open`, before any append, when the directory is new (naming the first epoch) or
    /// `RecoveredState.possibleLosses` is not empty (naming a new one). Until then `close`
    /// leaves the running marker set, so that a run that never chose an epoch makes the next
    /// open report `uncleanShutdown` rather than vouch for a directory that may have lost writes.
    public func beginEpoch(_ epoch: UInt64) throws(StorageError) {
        try state.withLock { (s) throws(StorageError) in
            try Self.checkOpen(s)
            try DataEpochFile.write(
                DataEpochFile.Record(epoch: epoch, running: true), directory: configuration.directory)
            s.dataEpoch = epoch
            s.epochConfirmed = true
            s.statistics.epochFileWrites += 1
        }
    }

    /// Appends any record: encoded outside the lock, written with one `write(2)` under it.
    /// A failed write is cut back off the segment, so the log never holds half a record followed
    /// by good ones; if even that fails, the storage refuses all later writes.
    public func append(record: LogRecord) throws(StorageError) {
        let bytes = try record.encoded(limits: limits)
        var ready: [Waiter] = []
        try state.withLock { (s) throws(StorageError) in
            try Self.checkOpen(s)
            if s.segmentSize > SegmentHeader.size && s.segmentSize + bytes.count > configuration.segmentBytes
            {
                ready = try roll(&s)
            }
            try Self.write(bytes[...], records: 1, to: &s)
        }
        Self.resume(ready, with: .success(()))
    }

    /// Appends applied entries in order with one `write(2)` per segment they land in: a node
    /// logs a pipelined batch of client writes at once (one syscall per SET was ~13% of a
    /// node's CPU under `redis-benchmark -P 16`, Benchmarks/README.md).
    public func append(entries: [Entry]) throws(StorageError) {
        try append(records: entries.map { LogRecord.entry($0) })
    }

    /// Appends a batch of logged changes (applied entries, removals) in order, the same way:
    /// a node logs the remote entries and collections of one directive batch at once (one
    /// syscall per remote entry was 15-20 % of a receiving node's CPU).
    public func append(changes: [LoggedChange]) throws(StorageError) {
        try append(records: changes.map(LogRecord.init))
    }

    /// Appends records in order with one `write(2)` per segment they land in. The records are
    /// encoded into one buffer outside the lock; `recordEnds` marks where each ends, so a batch
    /// that crosses the segment size is still cut between records.
    public func append(records: [LogRecord]) throws(StorageError) {
        guard !records.isEmpty else { return }
        var buffer = ByteWriter(capacity: 128 * records.count)
        var recordEnds: [Int] = []
        recordEnds.reserveCapacity(records.count)
        for record in records {
            try record.encode(into: &buffer, limits: limits)
            recordEnds.append(buffer.count)
        }
        let bytes = buffer.bytes
        var ready: [Waiter] = []
        try state.withLock { (s) throws(StorageError) in
            try Self.checkOpen(s)
            var runStart = 0
            var runRecords = 0
            var recordStart = 0
            for end in recordEnds {
                let size = s.segmentSize + (recordStart - runStart)
                if size > SegmentHeader.size && size + (end - recordStart) > configuration.segmentBytes {
                    try Self.write(bytes[runStart..<recordStart], records: runRecords, to: &s)
                    runStart = recordStart
                    runRecords = 0
                    ready += try roll(&s)
                }
                runRecords += 1
                recordStart = end
            }
            try Self.write(bytes[runStart..<recordStart], records: runRecords, to: &s)
        }
        Self.resume(ready, with: .success(()))
    }

    /// Writes whole records at the end of the segment. A failed write is cut back off, so the
    /// log never holds part of a record.
    private static func write(_ bytes: ArraySlice<UInt8>, records: Int, to s: inout State)
        throws(StorageError)
    {
        guard !bytes.isEmpty else { return }
        do throws(StorageError) {
            try Posix.writeAll(s.segment, bytes)
        } catch {
            if (try? Posix.truncate(s.segment, to: s.segmentSize)) == nil {
                s.failure = .failed(reason: "\(error), and the partial record could not be cut off")
            }
            throw error
        }
        s.segmentSize += bytes.count
        s.appended += UInt64(bytes.count)
        s.statistics.appendedRecords += records
        s.statistics.appendedBytes += bytes.count
        s.statistics.logBytesSinceSnapshot += bytes.count
    }

    /// Returns once everything appended before the call is on disk (fsync; group commit: one
    /// fsync serves every waiter). With `batch`/`never` it returns at once.
    public func waitUntilDurable() async throws(StorageError) {
        guard configuration.fsync == .always else {
            if let failure = state.withLock({ $0.failure }) { throw failure }
            return
        }
        enum Action { case resume(Result<Void, StorageError>), wait, startFlush }
        let result = await withCheckedContinuation { (continuation: Continuation) in
            let action = state.withLock { s -> Action in
                if let failure = s.failure { return .resume(.failure(failure)) }
                if s.durable >= s.appended { return .resume(.success(())) }
                s.waiters.append(Waiter(target: s.appended, continuation: continuation))
                s.statistics.durableWaits += 1
                if s.flushScheduled { return .wait }
                s.flushScheduled = true
                return .startFlush
            }
            switch action {
            case .resume(let result): continuation.resume(returning: result)
            case .wait: break
            case .startFlush: flushQueue.async { self.flush() }
            }
        }
        try result.get()
    }

    /// fsyncs the current segment now, on the caller's thread, and resumes the waiters it covers.
    /// Appends come from one caller at a time (the node's actor), so the segment cannot roll
    /// between the capture and the fsync; the batch flusher may fsync the same file meanwhile,
    /// which is harmless.
    private func syncNow() throws(StorageError) {
        let (file, target) = try state.withLock { (s) throws(StorageError) in
            try Self.checkOpen(s)
            return (s.segment, s.appended)
        }
        var failure: StorageError?
        do throws(StorageError) { try Posix.fsync(file) } catch { failure = error }
        let (outcome, ready, _) = completeFsync(upTo: target, failure: failure, byFlusher: false)
        Self.resume(ready, with: outcome)
        try outcome.get()
    }

    /// Records one fsync of the segment up to `target`, or its failure (which fails every
    /// waiter and the storage), and takes the waiters it covers. For the batch flusher it also
    /// says whether waiters remain, so it runs again (`flushScheduled` stays set).
    private func completeFsync(
        upTo target: UInt64, failure: StorageError?, byFlusher: Bool
    ) -> (outcome: Result<Void, StorageError>, ready: [Waiter], again: Bool) {
        state.withLock { s in
            s.statistics.fsyncs += 1
            if let failure {
                s.failure = s.failure ?? .failed(reason: "\(failure)")
                let ready = s.waiters
                s.waiters = []
                if byFlusher { s.flushScheduled = false }
                return (.failure(s.failure ?? failure), ready, false)
            }
            s.durable = max(s.durable, target)
            let ready = s.waiters.filter { $0.target <= s.durable }
            s.waiters.removeAll { $0.target <= s.durable }
            let again = byFlusher && !s.waiters.isEmpty
            if byFlusher { s.flushScheduled = again }
            return (.success(()), ready, again)
        }
    }

    /// A consistent copy of the counters.
    public var statistics: StorageStatistics { state.withLock { $0.statistics } }

    /// Bytes appended since open, and how many of them are known fsynced: a record appended when
    /// `appendedPosition` was p is on disk once `durablePosition >= p`.
    public var appendedPosition: UInt64 { state.withLock { $0.appended } }
    public var durablePosition: UInt64 { state.withLock { $0.durable } }

    // MARK: Snapshots

    /// Whether the log has grown past `snapshotAfterLogBytes` since the last snapshot (false
    /// while one is being written).
    public var isSnapshotDue: Bool {
        state.withLock {
            !$0.snapshotInProgress
                && $0.statistics.logBytesSinceSnapshot >= configuration.snapshotAfterLogBytes
        }
    }

    /// Rolls the log to a new segment now (synchronously), then writes `state` in the background
    /// (temp file, fsync, rename, directory fsync) and deletes the segments it covers.
    ///
    /// MUST be called in the same actor turn as `state` was taken, with no append in between: the
    /// snapshot then holds exactly the records of the segments before the roll. The previous
    /// snapshot is deleted only once the new one is durable. The task fails (and nothing is
    /// deleted) if writing fails; the log still holds everything, so the next attempt can retry.
    public func beginSnapshot(_ snapshot: SnapshotState) throws(StorageError) -> Task<Void, any Error> {
        var ready: [Waiter] = []
        let covered = try state.withLock { (s) throws(StorageError) -> UInt64 in
            try Self.checkOpen(s)
            guard !s.snapshotInProgress else { throw .snapshotInProgress }
            ready = try roll(&s)
            s.snapshotInProgress = true
            s.statistics.logBytesSinceSnapshot = 0
            return s.statistics.currentSegment
        }
        Self.resume(ready, with: .success(()))
        let writer = SnapshotWriter(directory: configuration.directory, limits: limits)
        return Task.detached {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<Void, any Error>) in
                self.snapshotQueue.async {
                    let result = Result { () throws(StorageError) in
                        try writer.write(snapshot, covering: covered)
                    }
                    self.state.withLock { s in
                        s.snapshotInProgress = false
                        if case .success = result { s.statistics.snapshotsWritten += 1 }
                    }
                    continuation.resume(with: result.mapError { $0 as any Error })
                }
            }
        }
    }

    // MARK: Closing

    /// Final fsync, then clears the running marker (only when everything reached the disk and
    /// the epoch is confirmed, see `beginEpoch`: otherwise the directory stays marked, so the
    /// next start takes a new data epoch); releases the lock.
    /// Waits for a snapshot being written to finish. Later calls do nothing; appends after it
    /// throw `closed`. `markClean: false` keeps the marker set whatever happens: a caller that
    /// may have applied (and pushed) something it could not log says so this way.
    public func close(markClean: Bool = true) throws(StorageError) {
        let wasClosed = state.withLock { s in
            defer { s.closed = true }
            return s.closed
        }
        if wasClosed { return }
        timer?.cancel()
        snapshotQueue.sync {}
        flushQueue.sync {}
        var waiters: [Waiter] = []
        let outcome = state.withLock { s -> Result<Void, StorageError> in
            waiters = s.waiters
            s.waiters = []
            if let failure = s.failure { return .failure(failure) }
            do throws(StorageError) {
                try Posix.fsync(s.segment)
                s.statistics.fsyncs += 1
                s.durable = s.appended
                if s.epochConfirmed && markClean {
                    // A clean mark vouches for the whole log: segments rolled without an fsync
                    // (policy `never`) or left by a crashed run must be on disk first.
                    try Self.fsyncSegments(in: configuration.directory, except: s.segment.path)
                    try DataEpochFile.write(
                        DataEpochFile.Record(epoch: s.dataEpoch, running: false),
                        directory: configuration.directory)
                    s.statistics.epochFileWrites += 1
                }
                return .success(())
            } catch {
                s.failure = .failed(reason: "\(error)")
                return .failure(error)
            }
        }
        Self.resume(waiters, with: outcome)
        directoryLock.release()
        try outcome.get()
    }

    // MARK: Internals

    private static func checkOpen(_ s: State) throws(StorageError) {
        if s.closed { throw .closed }
        if let failure = s.failure { throw failure }
    }

    /// Closes the current segment (fsynced unless the policy is `never`, so only the newest
    /// segment can ever have a torn tail) and starts the next. Called with the lock held; returns
    /// the waiters the fsync satisfied, to resume after unlocking.
    private func roll(_ s: inout State) throws(StorageError) -> [Waiter] {
        let sync = configuration.fsync != .never
        do throws(StorageError) {
            if sync {
                try Posix.fsync(s.segment)
                s.statistics.fsyncs += 1
                s.durable = s.appended
            }
            let next = s.statistics.currentSegment + 1
            s.segment = try Self.createSegment(next, in: configuration.directory, sync: sync)
            s.segmentSize = SegmentHeader.size
            s.statistics.currentSegment = next
        } catch {
            s.failure = .failed(reason: "rolling the log: \(error)")
            throw error
        }
        let ready = s.waiters.filter { $0.target <= s.durable }
        s.waiters.removeAll { $0.target <= s.durable }
        return ready
    }

    /// Creates a segment with its header; with `sync`, the file and its directory entry are
    /// made durable before any record goes in.
    static func createSegment(_ sequence: UInt64, in directory: String, sync: Bool) throws(StorageError)
        -> FileDescriptor
    {
        let path = directory + "/" + SegmentName.fileName(sequence)
        let file = try Posix.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND)
        try Posix.writeAll(file, SegmentHeader(sequence: sequence).encoded)
        if sync {
            try Posix.fsync(file)
            try Posix.fsyncDirectory(directory)
        }
        return file
    }

    /// fsyncs every log segment of `directory` but `except` (already fsynced).
    private static func fsyncSegments(in directory: String, except: String) throws(StorageError) {
        for name in try Posix.listDirectory(directory) where SegmentName.parseSegment(name) != nil {
            let path = directory + "/" + name
            if path == except { continue }
            try Posix.fsync(try Posix.open(path, O_RDONLY))
        }
    }

    /// The batch timer's tick: fsync when something was appended since the last one.
    private func flushIfBehind() {
        let behind = state.withLock { s in !s.closed && s.failure == nil && s.appended > s.durable }
        if behind { flush() }
    }

    /// One fsync of the current segment (on `flushQueue`), then resume the waiters it covers; if
    /// others queued meanwhile, schedule the next fsync for them.
    private func flush() {
        let captured = state.withLock { s -> (FileDescriptor, UInt64, UInt32)? in
            if s.failure != nil || (s.closed && s.waiters.isEmpty) {
                s.flushScheduled = false
                return nil
            }
            return (s.segment, s.appended, s.slowFsyncMicroseconds)
        }
        guard let (file, target, delay) = captured else { return }
        if delay > 0 { usleep(delay) }
        var failure: StorageError?
        do throws(StorageError) { try Posix.fsync(file) } catch { failure = error }
        let (outcome, ready, again) = completeFsync(upTo: target, failure: failure, byFlusher: true)
        Self.resume(ready, with: outcome)
        if again { flushQueue.async { self.flush() } }
    }

    private static func resume(_ waiters: [Waiter], with result: Result<Void, StorageError>) {
        for waiter in waiters { waiter.continuation.resume(returning: result) }
    }
}
