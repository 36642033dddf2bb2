/// Why a client's bytes are not a RESP request. Each one ends that client's connection: the
/// server answers `-ERR <description>` and closes, as Redis does, because after a framing error
/// it can no longer tell where the next command starts.
public enum RESPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `*<count>` whose count is not a decimal integer.
    case invalidArrayLength
    /// `*<count>` above `RESPLimits.maxArrayCount`.
    case arrayTooLong(count: Int64, limit: Int)
    /// `$<length>` whose length is negative or not a decimal integer.
    case invalidBulkLength
    /// `$<length>` above `RESPLimits.maxBulkBytes`.
    case bulkTooLong(length: Int64, limit: Int)
    /// Inside a command, something other than `$` began an argument (a nested array, say).
    case expectedBulk(got: UInt8)
    /// A length line or a bulk string not followed by CR LF.
    case missingCRLF
    /// A `*` or `$` length line that does not end within a few bytes.
    case lengthLineTooLong
    /// An inline command longer than `RESPLimits.maxInlineBytes`.
    case inlineTooLong(limit: Int)
    /// An inline command with an unclosed quote, or a closing quote not followed by a space.
    case unbalancedQuotes
    /// A command whose size would pass `RESPLimits.maxCommandBytes`.
    case commandTooLarge(bytes: Int64, limit: Int)

    /// The reply text after `-ERR `, worded like Redis's with the limit added.
    public var description: String {
        switch self {
        case .invalidArrayLength:
            return "Protocol error: invalid multibulk length"
        case let .arrayTooLong(count, limit):
            return "Protocol error: invalid multibulk length (\(count) arguments, limit \(limit))"
        case .invalidBulkLength:
            return "Protocol error: invalid bulk length"
        case let .bulkTooLong(length, limit):
            return "Protocol error: invalid bulk length (\(length) bytes, limit \(limit))"
        case let .expectedBulk(byte):
            return "Protocol error: expected '$', got '\(Self.printable(byte))'"
        case .missingCRLF:
            return "Protocol error: expected CRLF"
        case .lengthLineTooLong:
            return "Protocol error: too big count string"
        case let .inlineTooLong(limit):
            return "Protocol error: too big inline request (limit \(limit) bytes)"
        case .unbalancedQuotes:
            return "Protocol error: unbalanced quotes in request"
        case let .commandTooLarge(bytes, limit):
            return "Protocol error: command of at least \(bytes) bytes exceeds the \(limit)-byte query limit"
        }
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
