import GossipKVCore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the storage layer can refuse or fail at, each with a message a person can act on.
///
/// Recovery errors (`corruptLog`, `corruptSnapshot`, `missingSegment`, ...) are raised before
/// anything on disk is changed: the operator can copy the directory aside, then start again with
/// `repair` set.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed: `operation` on `path`, with the `errno` it set.
    case io(operation: String, path: String, errno: Int32)
    /// Another process (or another `Storage` in this one) holds the directory's lock file.
    case locked(directory: String, holderPID: Int32?)
    /// A record in the middle of a log segment is damaged while valid records follow it: not a torn
    /// tail, so cutting it would silently drop acknowledged writes. Refused unless `repair` is set.
    case corruptLog(segment: String, offset: Int, reason: String)
    /// A snapshot is unreadable and no older usable one (with the log segments after it) exists.
    case corruptSnapshot(file: String, reason: String)
    /// A file was written by a newer format version (or holds a section this version does not
    /// know): upgrade the binary rather than repair.
    case unsupportedFormat(file: String, reason: String)
    /// The log has a hole: a segment the recovery needs is absent. Refused unless `repair` is set.
    case missingSegment(directory: String, sequence: UInt64)
    /// An entry or digest could not be encoded under the cluster's limits (the caller's bug: the
    /// core never applies such an entry).
    case encoding(WireError)
    /// An earlier write or fsync failed; the log may miss records, so no more are accepted
    /// (after a failed fsync the kernel may have dropped the dirty pages: retrying is not safe).
    case failed(reason: String)
    /// `close()` was called.
    case closed
    /// `beginSnapshot` was called while an earlier snapshot is still being written.
    case snapshotInProgress

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .locked(let directory, let pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "data directory \(directory) is in use by \(holder) (lock file \(directory)/LOCK); "
                + "two nodes must not share a data directory"
        case .corruptLog(let segment, let offset, let reason):
            return "log segment \(segment) is corrupt at offset \(offset) (\(reason)) and valid records "
                + "follow it; refusing to start. Copy the directory aside, then start with repair "
                + "enabled to cut the damaged record and the rest of that segment"
        case .corruptSnapshot(let file, let reason):
            return "snapshot \(file) is unreadable (\(reason)) and no usable older snapshot exists; "
                + "start with repair enabled to recover from the log alone"
        case .unsupportedFormat(let file, let reason):
            return "\(file): \(reason); it was written by a newer GossipKV: run that version"
        case .missingSegment(let directory, let sequence):
            return "log segment \(SegmentName.fileName(sequence)) is missing from \(directory); "
                + "start with repair enabled to recover without it"
        case .encoding(let error):
            return "cannot encode a log record: \(error)"
        case .failed(let reason):
            return "storage has failed and accepts no more writes: \(reason)"
        case .closed:
            return "storage is closed"
        case .snapshotInProgress:
            return "a snapshot is already being written"
        }
    }
}
