#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes key and certificate files (format on `KeyFileFormat`).
///
/// Secret files are created with `O_CREAT | O_EXCL` and mode 0600 (then `fchmod`, so a umask
/// cannot widen or narrow it), never overwrite an existing file, and are refused on reading when
/// group or others may access them, as ssh does with private keys: a key others could read is a
/// key others may have copied. Public files (certificate, cluster public key) replace the old
/// file atomically (write a temporary file, then `rename`), so a renewed certificate can be
/// written over the old one while a node reads it.
public enum KeyFile {
    /// Writes a secret payload (`kind.isSecret`) to a new file `path`, mode 0600.
    public static func write(secret: SecretBytes, kind: KeyFileKind, to path: String) throws(KeyFileError) {
        var contents = KeyFileFormat.encode(secret: secret, kind: kind)
        defer { Sodium.wipe(&contents) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw .alreadyExists(path: path) }
            if code == EACCES { throw .permissionDenied(path: path) }
            throw .io(path: path, operation: "creating", errno: code)
        }
        do throws(KeyFileError) {
            guard fchmod(descriptor, mode_t(0o600)) == 0 else {
                throw .io(path: path, operation: "chmod", errno: errno)
            }
            try writeAll(contents, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
        guard close(descriptor) == 0 else {
            let code = errno
            unlink(path)
            throw .io(path: path, operation: "closing", errno: code)
        }
    }

    /// Reads the secret payload of a `kind` file at `path`, refusing a file that group or others
    /// may access.
    public static func readSecret(_ kind: KeyFileKind, from path: String) throws(KeyFileError) -> SecretBytes
    {
        var contents = try readContents(of: path, kind: kind, requirePrivate: true)
        defer { Sodium.wipe(&contents) }
        return try KeyFileFormat.decode(contents, kind: kind, origin: path)
    }

    /// Writes public bytes (`kind` not secret) to `path`, mode 0644, replacing any old file.
    public static func write(public payload: [UInt8], kind: KeyFileKind, to path: String) throws(KeyFileError)
    {
        let contents = KeyFileFormat.encode(public: payload, kind: kind)
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o644))
        guard descriptor >= 0 else {
            let code = errno
            if code == EACCES { throw .permissionDenied(path: path) }
            throw .io(path: temporary, operation: "creating", errno: code)
        }
        do throws(KeyFileError) {
            try writeAll(contents, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw .io(path: temporary, operation: "fsync", errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        // Closed exactly once, before the rename, whatever happens next.
        let closed = close(descriptor) == 0
        guard closed, rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: path, operation: closed ? "renaming onto" : "closing", errno: code)
        }
    }

    /// Reads the payload of a public `kind` file at `path` (no permission check).
    public static func readPublic(_ kind: KeyFileKind, from path: String) throws(KeyFileError) -> [UInt8] {
        let contents = try readContents(of: path, kind: kind, requirePrivate: false)
        let payload = try KeyFileFormat.decode(contents, kind: kind, origin: path)
        return payload.withUnsafeBytes { Array($0) }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(KeyFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                posixWrite(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "writing", errno: errno)
            }
            offset += written
        }
    }

    /// The whole file, at most `KeyFileFormat.maxFileBytes`, after checking it is a regular file
    /// and, when `requirePrivate`, that only its owner can access it.
    private static func readContents(of path: String, kind: KeyFileKind, requirePrivate: Bool)
        throws(KeyFileError) -> [UInt8]
    {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw .missing(path: path, kind: kind)
            case EACCES: throw .permissionDenied(path: path)
            case let code: throw .io(path: path, operation: "opening", errno: code)
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        let permissions = UInt32(status.st_mode) & 0o777
        if requirePrivate, permissions & 0o077 != 0 { throw .tooPermissive(path: path, mode: permissions) }

        var contents = [UInt8](repeating: 0, count: KeyFileFormat.maxFileBytes + 1)
        var filled = 0
        while filled < contents.count {
            let count = contents.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                Sodium.wipe(&contents)
                throw .io(path: path, operation: "reading", errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= KeyFileFormat.maxFileBytes else {
            Sodium.wipe(&contents)
            throw .malformed(
                path: path, kind: kind, reason: "larger than \(KeyFileFormat.maxFileBytes) bytes")
        }
        let result = Array(contents[..<filled])
        Sodium.wipe(&contents)
        return result
    }
}

/// The C `write`, which `KeyFile.write` shadows inside the enum.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
