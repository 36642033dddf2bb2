#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a key or certificate file could not be read or written. Each message names the file and
/// says what to do.
public enum KeyFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(path: String, kind: KeyFileKind)
    case permissionDenied(path: String)
    /// A secret file that group or others may access (`mode` holds the permission bits).
    case tooPermissive(path: String, mode: UInt32)
    case notARegularFile(path: String)
    /// The file is not in the format its kind requires; `reason` says how.
    case malformed(path: String, kind: KeyFileKind, reason: String)
    /// The file is a gossipkv key file of another kind.
    case wrongKind(path: String, expected: KeyFileKind, found: KeyFileKind)
    /// Writing a secret never replaces an existing file: that could destroy a cluster key.
    case alreadyExists(path: String)
    /// A system call failed with `errno`.
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case let .missing(path, kind):
            let maker =
                kind == .clusterSecretKey ? "`gossipkv init`" : "`gossipkv init` or `gossipkv cert issue`"
            return "\(path) does not exist; a \(kind) is made by \(maker)"
        case let .permissionDenied(path):
            return "permission denied reading \(path); run gossipkv as the user that owns it"
        case let .tooPermissive(path, mode):
            return
                "\(path) holds a secret key but is accessible by group or others (mode \(Self.octal(mode))); "
                + "run `chmod 600 \(path)`"
        case let .notARegularFile(path):
            return "\(path) is not a regular file"
        case let .malformed(path, kind, reason):
            return "\(path) is not a valid \(kind) file: \(reason)"
        case let .wrongKind(path, expected, found):
            return "\(path) holds a \(found), but a \(expected) is needed here"
        case let .alreadyExists(path):
            return "\(path) already exists; refusing to overwrite a key file (move it away first)"
        case let .io(path, operation, code):
            return "\(operation) \(path) failed: \(String(cString: strerror(code)))"
        }
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
