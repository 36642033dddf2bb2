#if canImport(Glibc)
    import Glibc
#endif

/// The data directory's lock: an exclusive `flock` on `<directory>/LOCK`, which holds the owner's
/// pid as text (for the error message only: the flock is the lock).
///
/// Why flock: the kernel drops it when the process dies (even by `kill -9`), so a crash never
/// leaves a stale lock to clean by hand. It belongs to the open file description, so a second
/// `open` of the directory in the same process is refused too.
final class DirectoryLock: Sendable {
    static let fileName = "LOCK"
    private let file: FileDescriptor

    private init(file: FileDescriptor) { self.file = file }

    static func acquire(directory: String) throws(StorageError) -> DirectoryLock {
        let path = directory + "/" + fileName
        let file = try Posix.open(path, O_RDWR | O_CREAT)
        while flock(file.fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { throw .locked(directory: directory, holderPID: readPID(path)) }
            throw .io(operation: "lock", path: path, errno: errno)
        }
        try Posix.truncate(file, to: 0)
        try Posix.writeAll(file, Array("\(getpid())\n".utf8))
        return DirectoryLock(file: file)
    }

    /// Leaves the file (deleting it would race with a new holder) and drops the lock by closing.
    func release() { _ = flock(file.fd, LOCK_UN) }

    private static func readPID(_ path: String) -> Int32? {
        guard let bytes = try? Posix.readFile(path) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).filter(\.isNumber))
    }
}
