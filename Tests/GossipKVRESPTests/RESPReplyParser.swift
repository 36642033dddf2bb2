import GossipKVRESP
import NIOCore

/// A client-side RESP2 and RESP3 reply parser for tests: the independent reader of what the
/// server writes. RESP3's null `_` reads as the null bulk string; tests of the null's own bytes
/// look at the wire.
enum RESPReplyParser {
    struct Malformed: Error {}

    /// The next complete reply in `buffer` (consumed), or nil when incomplete.
    static func next(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parse(&copy) else { return nil }
        buffer = copy
        return value
    }

    private static func line(_ buffer: inout ByteBuffer) -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - buffer.readerIndex
        guard let bytes = buffer.readBytes(length: length + 1) else { return nil }
        return String(decoding: bytes.dropLast(2), as: UTF8.self)
    }

    fileprivate static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        guard let kind = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let text = line(&buffer) else { return nil }
        switch kind {
        case UInt8(ascii: "+"): return .simpleString(text)
        case UInt8(ascii: "-"): return .error(text)
        case UInt8(ascii: ":"):
            guard let number = Int64(text) else { throw Malformed() }
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(text) else { throw Malformed() }
            if length < 0 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readBytes(length: length) else {
                return nil
            }
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(text) else { throw Malformed() }
            if count < 0 { return .array(nil) }
            return try items(count, &buffer).map { .array($0) }
        case UInt8(ascii: "~"):
            return try items(Int(text), &buffer).map { .set($0) }
        case UInt8(ascii: ">"):
            return try items(Int(text), &buffer).map { .push($0) }
        case UInt8(ascii: "%"):
            guard let count = Int(text), count >= 0 else { throw Malformed() }
            guard let flat = try items(count * 2, &buffer) else { return nil }
            return .map(stride(from: 0, to: flat.count, by: 2).map { RESPPair(flat[$0], flat[$0 + 1]) })
        case UInt8(ascii: "_"):
            guard text.isEmpty else { throw Malformed() }
            return .bulkString(nil)
        case UInt8(ascii: "#"):
            guard text == "t" || text == "f" else { throw Malformed() }
            return .boolean(text == "t")
        case UInt8(ascii: ","):
            guard let number = Double(text) else { throw Malformed() }
            return .double(number)
        default:
            throw Malformed()
        }
    }
}

extension RESPReplyParser {
    fileprivate static func items(_ count: Int?, _ buffer: inout ByteBuffer) throws -> [RESPValue]? {
        guard let count, count >= 0 else { throw Malformed() }
        var items: [RESPValue] = []
        for _ in 0..<count {
            guard let item = try parse(&buffer) else { return nil }
            items.append(item)
        }
        return items
    }
}

/// Encodes a command as a client sends it: an array of bulk strings.
func multibulk(_ arguments: [[UInt8]]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeRESPValue(.array(arguments.map { .bulkString($0) }))
    return buffer
}

func multibulk(_ words: String...) -> ByteBuffer { multibulk(words.map { Array($0.utf8) }) }

extension RESPValue {
    /// The bulk string's text, for readable expectations.
    var text: String? {
        switch self {
        case let .bulkString(bytes?): return String(decoding: bytes, as: UTF8.self)
        case let .simpleString(text), let .error(text): return text
        default: return nil
        }
    }
}
