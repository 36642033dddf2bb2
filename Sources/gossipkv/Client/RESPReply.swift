/// One RESP2 reply, as the CLI's client reads it.
enum RESPReply: Equatable, Sendable {
    case simple(String)
    case error(String)
    case integer(Int64)
    /// nil is the null bulk string (`$-1`), Redis's "no such key".
    case bulk([UInt8]?)
    /// nil is the null array (`*-1`).
    case array([RESPReply]?)

    /// A short rendering for error messages.
    var summary: String {
        switch self {
        case let .simple(text): return "+\(text)"
        case let .error(text): return "-\(text)"
        case let .integer(value): return ":\(value)"
        case let .bulk(bytes):
            return bytes.map { "\"\(String(decoding: $0.prefix(60), as: UTF8.self))\"" } ?? "(nil)"
        case let .array(items): return items.map { "array of \($0.count)" } ?? "(nil array)"
        }
    }
}

/// Where the parser takes its bytes from: the socket in the CLI, an array in tests.
protocol RESPByteSource {
    /// The bytes up to the next CRLF (not included); throws past `limit` bytes.
    mutating func line(limit: Int) throws(ClientError) -> [UInt8]
    /// Exactly `count` bytes.
    mutating func bytes(_ count: Int) throws(ClientError) -> [UInt8]
    /// Names the peer in errors.
    var endpoint: String { get }
}

/// A bounded RESP2 reply parser: a hostile or confused peer cannot make the CLI allocate more
/// than `maxReplyBytes`, recurse deeper than `maxDepth`, or wait on a line without end.
struct RESPReplyParser {
    /// The largest value is 8 MiB cluster-wide; INFO is a few KiB.
    static let maxBulkBytes = 64 << 20
    static let maxReplyBytes = 256 << 20
    static let maxArrayCount = 1 << 20
    static let maxLineBytes = 64 << 10
    static let maxDepth = 8

    private var budget = Self.maxReplyBytes

    static func read(from source: inout some RESPByteSource) throws(ClientError) -> RESPReply {
        var parser = RESPReplyParser()
        return try parser.reply(from: &source, depth: 0)
    }

    private mutating func reply(from source: inout some RESPByteSource, depth: Int) throws(ClientError)
        -> RESPReply
    {
        guard depth <= Self.maxDepth else {
            throw .protocolViolation(
                endpoint: source.endpoint, detail: "arrays nested deeper than \(Self.maxDepth)")
        }
        let line = try source.line(limit: Self.maxLineBytes)
        try spend(line.count + 2, source)
        guard let type = line.first else {
            throw .protocolViolation(endpoint: source.endpoint, detail: "an empty line")
        }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        switch type {
        case UInt8(ascii: "+"):
            return .simple(rest)
        case UInt8(ascii: "-"):
            return .error(rest)
        case UInt8(ascii: ":"):
            guard let value = Int64(rest) else {
                throw .protocolViolation(endpoint: source.endpoint, detail: "integer '\(rest)'")
            }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(rest), length >= -1 else {
                throw .protocolViolation(endpoint: source.endpoint, detail: "bulk length '\(rest)'")
            }
            if length == -1 { return .bulk(nil) }
            guard length <= Self.maxBulkBytes else {
                throw .replyTooLarge(
                    endpoint: source.endpoint, limit: "\(Self.maxBulkBytes >> 20) MiB per value")
            }
            try spend(length + 2, source)
            let body = try source.bytes(length + 2)
            guard body.suffix(2) == [13, 10] else {
                throw .protocolViolation(endpoint: source.endpoint, detail: "a bulk string without its CRLF")
            }
            return .bulk(Array(body.prefix(length)))
        case UInt8(ascii: "*"):
            guard let count = Int(rest), count >= -1 else {
                throw .protocolViolation(endpoint: source.endpoint, detail: "array length '\(rest)'")
            }
            if count == -1 { return .array(nil) }
            guard count <= Self.maxArrayCount else {
                throw .replyTooLarge(
                    endpoint: source.endpoint, limit: "\(Self.maxArrayCount) elements per array")
            }
            var items: [RESPReply] = []
            items.reserveCapacity(min(count, 1_024))
            for _ in 0..<count { items.append(try reply(from: &source, depth: depth + 1)) }
            return .array(items)
        default:
            throw .protocolViolation(endpoint: source.endpoint, detail: "a reply starting with byte \(type)")
        }
    }

    private mutating func spend(_ bytes: Int, _ source: some RESPByteSource) throws(ClientError) {
        budget -= bytes
        guard budget >= 0 else {
            throw .replyTooLarge(
                endpoint: source.endpoint, limit: "\(Self.maxReplyBytes >> 20) MiB per reply")
        }
    }
}

/// Encodes a command as a RESP multibulk: binary-safe, so keys and values pass unchanged.
enum RESPRequest {
    static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.count)\r\n".utf8)
            bytes += argument
            bytes += [13, 10]
        }
        return bytes
    }
}
