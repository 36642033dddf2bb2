#if canImport(Glibc)
    import Glibc
#endif

/// An open file descriptor, closed when the last reference goes.
///
/// Why a class: the fsync worker keeps the current segment's descriptor while the appender may
/// roll to a new segment; reference counting closes the old one only after both are done, so a
/// descriptor number is never reused under an fsync in flight.
final class FileDescriptor: Sendable {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = Glibc.close(fd) }
}

/// Thin, throwing wrappers over the POSIX calls the storage uses (EINTR retried).
///
/// Files are created 0600 and directories 0700: the log, snapshots and epoch file hold every
/// key and value, and other local users have no business reading them.
enum Posix {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(StorageError)
        -> FileDescriptor
    {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return FileDescriptor(fd: fd, path: path) }
            if errno != EINTR { throw .io(operation: "open", path: path, errno: errno) }
        }
    }

    /// Writes every byte (a short write continues where it stopped).
    static func writeAll(_ file: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let written = Glibc.write(file.fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: file.path, errno: errno)
            }
            offset += written
        }
    }

    static func writeAll(_ file: FileDescriptor, _ bytes: [UInt8]) throws(StorageError) {
        try writeAll(file, bytes[...])
    }

    static func writeAll(_ file: FileDescriptor, _ bytes: ArraySlice<UInt8>) throws(StorageError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) in try writeAll(file, raw) }
        }
        try result.get()
    }

    static func fsync(_ file: FileDescriptor) throws(StorageError) {
        while Glibc.fsync(file.fd) != 0 {
            if errno != EINTR { throw .io(operation: "fsync", path: file.path, errno: errno) }
        }
    }

    static func truncate(_ file: FileDescriptor, to size: Int) throws(StorageError) {
        while ftruncate(file.fd, off_t(size)) != 0 {
            if errno != EINTR { throw .io(operation: "truncate", path: file.path, errno: errno) }
        }
    }

    /// fsync of a directory: makes file creations, renames and deletions in it durable.
    static func fsyncDirectory(_ path: String) throws(StorageError) {
        let directory = try open(path, O_RDONLY | O_DIRECTORY)
        try fsync(directory)
    }

    /// The whole file (size from fstat; reads until end of file).
    static func readFile(_ path: String) throws(StorageError) -> [UInt8] {
        let file = try open(path, O_RDONLY)
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(file.fd, base + filled, raw.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        return bytes
    }

    /// At most `limit` bytes from the start of the file (fewer at its end).
    static func read(_ file: FileDescriptor, upTo limit: Int) throws(StorageError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(file.fd, base + filled, raw.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: file.path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Names in a directory, without "." and "..", sorted (so every scan sees one order).
    static func listDirectory(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw .io(operation: "list", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let item = readdir(directory) {
            let name = withUnsafePointer(to: item.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// `mkdir -p`: creates the directory and any missing parent, each 0700. Existing ones keep
    /// their mode (a parent may be shared on purpose).
    static func makeDirectory(_ path: String) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .io(operation: "create directory", path: prefix, errno: errno)
            }
        }
    }

    static func unlink(_ path: String) throws(StorageError) {
        if Glibc.unlink(path) != 0 && errno != ENOENT {
            throw .io(operation: "delete", path: path, errno: errno)
        }
    }

    static func rename(_ from: String, _ to: String) throws(StorageError) {
        if Glibc.rename(from, to) != 0 { throw .io(operation: "rename to \(to)", path: from, errno: errno) }
    }

    static func fileSize(_ file: FileDescriptor) throws(StorageError) -> Int {
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw .io(operation: "stat", path: file.path, errno: errno) }
        return Int(info.st_size)
    }
}
