import NIOCore

/// One RESP2 reply (https://redis.io/docs/reference/protocol-spec/). The server only ever writes
/// these; requests arrive as `RESPCommand`s, which are arrays of bulk strings or inline lines.
public enum RESPValue: Hashable, Sendable {
    /// `+OK`: a short status line. Must not contain CR or LF; the encoder replaces them.
    case simpleString(String)
    /// `-ERR message`: the first word is the error code (`ERR`, `NOPROTO`, ...).
    case error(String)
    case integer(Int64)
    /// `$n` followed by n bytes; nil is the RESP2 null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*n` followed by n values; nil is the RESP2 null array `*-1`.
    case array([RESPValue]?)

    public static let ok = RESPValue.simpleString("OK")
    public static let null = RESPValue.bulkString(nil)

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// An error with the generic `ERR` code.
    public static func err(_ message: String) -> RESPValue { .error("ERR " + message) }

    /// An array of bulk strings.
    public static func bulkArray(_ items: [[UInt8]]) -> RESPValue { .array(items.map { .bulkString($0) }) }

    /// A RESP2 "map": alternating field names and values, flattened into one array, as Redis
    /// replies to HELLO and COMMAND DOCS when speaking RESP2.
    public static func map(_ pairs: [(String, RESPValue)]) -> RESPValue {
        var items: [RESPValue] = []
        items.reserveCapacity(pairs.count * 2)
        for (name, value) in pairs {
            items.append(.bulk(name))
            items.append(value)
        }
        return .array(items)
    }
}

extension ByteBuffer {
    /// Appends `value` in RESP2 form; returns the number of bytes written.
    ///
    /// Simple strings and errors are single lines on the wire: CR and LF inside them are written as
    /// spaces (as Redis does), so that text echoed from a client, such as an unknown command's
    /// name, can never inject a second reply.
    @discardableResult
    public mutating func writeRESPValue(_ value: RESPValue) -> Int {
        let start = writerIndex
        switch value {
        case let .simpleString(text):
            writeInteger(UInt8(ascii: "+"))
            writeRESPLine(text)
        case let .error(text):
            writeInteger(UInt8(ascii: "-"))
            writeRESPLine(text)
        case let .integer(number):
            writeInteger(UInt8(ascii: ":"))
            writeString(String(number))
            writeRESPNewline()
        case let .bulkString(bytes?):
            writeInteger(UInt8(ascii: "$"))
            writeString(String(bytes.count))
            writeRESPNewline()
            writeBytes(bytes)
            writeRESPNewline()
        case .bulkString(nil):
            writeString("$-1\r\n")
        case let .array(items?):
            writeInteger(UInt8(ascii: "*"))
            writeString(String(items.count))
            writeRESPNewline()
            for item in items { writeRESPValue(item) }
        case .array(nil):
            writeString("*-1\r\n")
        }
        return writerIndex - start
    }

    private mutating func writeRESPLine(_ text: String) {
        for byte in text.utf8 {
            writeInteger(byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") ? UInt8(ascii: " ") : byte)
        }
        writeRESPNewline()
    }

    private mutating func writeRESPNewline() {
        writeInteger(UInt16(0x0D0A))
    }
}

extension RESPValue {
    /// The value's RESP2 bytes.
    public var encoded: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeRESPValue(self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
