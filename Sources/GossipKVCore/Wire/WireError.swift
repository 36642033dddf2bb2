/// Why bytes could not be decoded (or a value could not be encoded) by the wire codec.
///
/// Every decoder in `Wire/` is total: on any input it returns a value or throws one of these,
/// never traps and never allocates more than the remaining input could justify. Cases carry the
/// numbers a person needs to act on the message; the shell counts them by `label`.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended early: a field needed `needed` bytes and only `remaining` were left.
    case truncated(needed: Int, remaining: Int)
    /// A frame, or a value to encode, is larger than the limit allows.
    case oversized(size: Int, limit: Int)
    /// The envelope's version byte is not one this node speaks.
    case unsupportedVersion(UInt8)
    /// The envelope's kind byte names no known message.
    case unknownKind(UInt8)
    /// The envelope's channel byte names no known channel.
    case unknownChannel(UInt8)
    /// A key longer than the cluster-wide limit (`Limits.maxKeyBytes`).
    case keyTooLarge(size: Int, limit: Int)
    /// A value longer than the cluster-wide limit (`Limits.maxValueBytes`).
    case valueTooLarge(size: Int, limit: Int)
    /// More entries (or push items) than `Limits.maxEntriesPerMessage`.
    case tooManyEntries(count: Int, limit: Int)
    /// More digest origins than `Limits.maxDigestOrigins`.
    case tooManyOrigins(count: Int, limit: Int)
    /// A sync answer claims more chunks than `Limits.maxChunksPerSync`.
    case tooManyChunks(count: Int, limit: Int)
    /// More membership updates than `MemberUpdate.maxPerMessage`.
    case tooManyUpdates(count: Int, limit: Int)
    /// A body codec was asked for a kind of the other family (a membership kind given to the
    /// anti-entropy codec, or the reverse): the caller must dispatch on `MessageKind.isMembership`.
    case foreignKind(UInt8)
    /// Bytes were left over after the last field: the encoding is canonical, so this is an error.
    case trailingBytes(count: Int)
    /// A field holds a value the format forbids (a flag that is not 0 or 1, an unsorted digest,
    /// a chunk index past the count, ...). The name says which field.
    case invalidField(String)

    /// A short, stable name for metrics labels.
    public var label: String {
        switch self {
        case .truncated: return "truncated"
        case .oversized: return "oversized"
        case .unsupportedVersion: return "unsupported_version"
        case .unknownKind: return "unknown_kind"
        case .unknownChannel: return "unknown_channel"
        case .keyTooLarge: return "key_too_large"
        case .valueTooLarge: return "value_too_large"
        case .tooManyEntries: return "too_many_entries"
        case .tooManyOrigins: return "too_many_origins"
        case .tooManyChunks: return "too_many_chunks"
        case .tooManyUpdates: return "too_many_updates"
        case .foreignKind: return "foreign_kind"
        case .trailingBytes: return "trailing_bytes"
        case .invalidField: return "invalid_field"
        }
    }

    public var description: String {
        switch self {
        case let .truncated(needed, remaining):
            return "message truncated: a field needs \(needed) bytes but only \(remaining) remain"
        case let .oversized(size, limit):
            return "\(size) bytes exceed the limit of \(limit) bytes"
        case let .unsupportedVersion(version):
            return
                "wire version \(version) is not supported (this node speaks version \(Envelope.currentVersion))"
        case let .unknownKind(kind):
            return "unknown message kind \(kind)"
        case let .unknownChannel(channel):
            return "unknown channel \(channel)"
        case let .keyTooLarge(size, limit):
            return "key of \(size) bytes exceeds the cluster limit of \(limit) bytes"
        case let .valueTooLarge(size, limit):
            return "value of \(size) bytes exceeds the cluster limit of \(limit) bytes"
        case let .tooManyEntries(count, limit):
            return "\(count) entries exceed the limit of \(limit) per message"
        case let .tooManyOrigins(count, limit):
            return "\(count) digest origins exceed the limit of \(limit)"
        case let .tooManyChunks(count, limit):
            return "\(count) chunks exceed the limit of \(limit) per sync answer"
        case let .tooManyUpdates(count, limit):
            return "\(count) membership updates exceed the limit of \(limit) per message"
        case let .foreignKind(kind):
            return
                "message kind \(kind) belongs to the other body codec (dispatch on MessageKind.isMembership)"
        case let .trailingBytes(count):
            return "\(count) unexpected bytes after the end of the message"
        case let .invalidField(name):
            return "invalid value in field \(name)"
        }
    }
}
