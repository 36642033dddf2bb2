import Foundation
import GossipKVCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The keyring on disk (`keyring` in the node's data directory), so a restart keeps the keys an
/// operator installed and the one in use:
///
/// ```
/// gossipkv keyring v1
/// primary BASE64
/// key BASE64
/// ```
///
/// Mode 0600, replaced atomically (a temporary file, fsync, rename), refused when group or
/// others may access it, at most `maxFileBytes`. The parser is total: any bytes give a keyring
/// or `KeyringError.malformedFile`.
extension DataKeyring {
    public static let fileHeader = "gossipkv keyring v1"
    /// Installed keys at most: the file stays far below `maxFileBytes`.
    public static let maxKeys = 32
    public static let maxFileBytes = 4096

    /// The file's contents. The caller SHOULD wipe them after use.
    public func encodedFile() -> [UInt8] {
        var lines = [Self.fileHeader]
        for key in keys {
            let base64 = key.secret.withUnsafeBytes { Data($0).base64EncodedString() }
            lines.append((key.id == primaryID ? "primary " : "key ") + base64)
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Parses `contents` (`origin` names the file in errors).
    public static func decodeFile(_ contents: [UInt8], origin: String) throws(KeyringError) -> DataKeyring {
        func malformed(_ reason: String) -> KeyringError { .malformedFile(path: origin, reason: reason) }
        guard contents.count <= maxFileBytes else { throw malformed("larger than \(maxFileBytes) bytes") }
        let lines = contents.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.first == fileHeader else { throw malformed("the first line must be \"\(fileHeader)\"") }
        var primary: DataKeyID?
        var keys: [DataKey] = []
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0] == "primary" || parts[0] == "key" else {
                throw malformed("a key line is `primary BASE64` or `key BASE64`")
            }
            guard var bytes = Data(base64Encoded: String(parts[1])).map(Array.init),
                bytes.count == DataKey.byteCount
            else { throw malformed("a key is \(DataKey.byteCount) bytes in base64") }
            let key = try DataKey(secret: SecretBytes(consuming: &bytes))
            if parts[0] == "primary" {
                guard primary == nil else { throw malformed("more than one primary key") }
                primary = key.id
            }
            keys.append(key)
        }
        guard let primary, let first = keys.first else { throw malformed("no primary key") }
        guard keys.count <= maxKeys else { throw malformed("more than \(maxKeys) keys") }
        // Installed in the file's order (the order they were installed in), then the primary.
        var keyring = DataKeyring(primary: first)
        for key in keys.dropFirst() { try keyring.install(key) }
        try keyring.use(primary)
        return keyring
    }

    /// Reads the keyring at `path`; nil when there is no file.
    public static func read(from path: String) throws(KeyringError) -> DataKeyring? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(path: path, operation: "opening", errno: errno)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .malformedFile(path: path, reason: "not a regular file")
        }
        guard UInt32(status.st_mode) & 0o077 == 0 else {
            throw .malformedFile(path: path, reason: "group or others may access it; chmod 600 it")
        }
        var contents = [UInt8](repeating: 0, count: maxFileBytes + 1)
        defer { Sodium.wipe(&contents) }
        var filled = 0
        while filled < contents.count {
            let count = contents.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .io(path: path, operation: "reading", errno: errno) }
            if count == 0 { break }
            filled += count
        }
        var exact = Array(contents[..<filled])
        defer { Sodium.wipe(&exact) }
        return try decodeFile(exact, origin: path)
    }

    /// Replaces the file at `path` with this keyring, mode 0600, durably.
    public func write(to path: String) throws(KeyringError) {
        var contents = encodedFile()
        defer { Sodium.wipe(&contents) }
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = Glibc.open(
            temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard descriptor >= 0 else { throw .io(path: temporary, operation: "creating", errno: errno) }
        var failure: KeyringError?
        if fchmod(descriptor, mode_t(0o600)) != 0 {
            failure = .io(path: temporary, operation: "chmod", errno: errno)
        }
        var offset = 0
        while failure == nil, offset < contents.count {
            let written = contents.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            if written < 0 {
                failure = .io(path: temporary, operation: "writing", errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = .io(path: temporary, operation: "fsync", errno: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = .io(path: path, operation: "renaming", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
