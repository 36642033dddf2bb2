/// One reply (https://redis.io/docs/reference/protocol-spec/). The server only ever writes
/// these; requests arrive as `RESPCommand`s, which are arrays of bulk strings or inline lines.
///
/// Commands build one value whatever protocol the connection speaks; the encoder writes it in
/// the connection's `RESPProtocolVersion`. The RESP3-only kinds have a RESP2 form Redis itself
/// uses: a map is a flat array of alternating fields and values, a set or a push is an array, a
/// double is a bulk string, a boolean is the integer 1 or 0; both RESP2 nulls become `_`.
public enum RESPValue: Hashable, Sendable {
    /// `+OK`: a short status line. Must not contain CR or LF; the encoder replaces them.
    case simpleString(String)
    /// `-ERR message`: the first word is the error code (`ERR`, `NOPROTO`, ...).
    case error(String)
    case integer(Int64)
    /// `$n` followed by n bytes; nil is the null bulk string (`$-1` in RESP2, `_` in RESP3).
    case bulkString([UInt8]?)
    /// `*n` followed by n values; nil is the null array (`*-1` in RESP2, `_` in RESP3).
    case array([RESPValue]?)
    /// RESP3 `%`: field/value pairs in order (HELLO, CONFIG GET, COMMAND DOCS).
    case map([RESPPair])
    /// RESP3 `~`: an unordered collection of distinct values.
    case set([RESPValue])
    /// RESP3 `,`: a floating-point number (`inf`, `-inf` and `nan` included).
    case double(Double)
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `>`: out-of-band data, such as pub/sub messages, that is not the reply to a command.
    case push([RESPValue])

    public static let ok = RESPValue.simpleString("OK")
    public static let null = RESPValue.bulkString(nil)

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// An error with the generic `ERR` code.
    public static func err(_ message: String) -> RESPValue { .error("ERR " + message) }

    /// An array of bulk strings.
    public static func bulkArray(_ items: [[UInt8]]) -> RESPValue { .array(items.map { .bulkString($0) }) }

    /// A map whose field names are bulk strings, as Redis names the fields of HELLO's reply.
    public static func fields(_ pairs: [(String, RESPValue)]) -> RESPValue {
        .map(pairs.map { RESPPair(.bulk($0.0), $0.1) })
    }
}

/// One field of a `RESPValue.map`.
public struct RESPPair: Hashable, Sendable {
    public var key: RESPValue
    public var value: RESPValue

    public init(_ key: RESPValue, _ value: RESPValue) {
        self.key = key
        self.value = value
    }
}

/// The reply protocol of one connection, chosen by the client with `HELLO 2|3`. A connection
/// starts with RESP2, as in Redis.
public enum RESPProtocolVersion: Int, Sendable, Hashable, CaseIterable {
    case resp2 = 2
    case resp3 = 3
}
