import NIOCore

/// Cuts client bytes into commands: RESP multibulk arrays of bulk strings (what every client
/// library sends) and inline lines (what a person types into telnet), told apart by the first
/// byte as Redis does (`*` starts an array; anything else an inline line).
///
/// The parser is incremental: it consumes each complete element as soon as it has arrived and
/// keeps the arguments read so far, so a large or slowly arriving command is read once, never
/// re-scanned. Every length is checked against `RESPLimits` as soon as its header line is
/// complete, before any of the data it announces is waited for. It never traps: every input
/// either yields commands, asks for more bytes, or throws a `RESPError`.
///
/// Empty requests are skipped without a reply, as Redis does: a blank inline line, `*0`, and
/// `*-1`.
public struct RESPCommandParser: Sendable {
    public let limits: RESPLimits
    private var state = State.idle
    /// How many bytes after the reader index an unfinished inline line has already been searched
    /// for its LF, so a line that trickles in byte by byte costs linear, not quadratic, time.
    private var inlineScanned = 0

    private enum State: Sendable {
        case idle
        case array(Progress)
    }

    private struct Progress: Sendable {
        var remaining: Int
        var arguments: [[UInt8]]
        /// Wire bytes of this command consumed so far.
        var bytes: Int64
        /// The announced length of the bulk string being waited for, once its header is read.
        var bulkLength: Int?
    }

    /// A `*` or `$` line holds a sign and at most 19 digits; one longer than this is not a length.
    static let maxLengthLineBytes = 32

    public init(limits: RESPLimits = .standard) { self.limits = limits }

    /// True when no command is half read.
    public var isIdle: Bool {
        if case .idle = state { return inlineScanned == 0 }
        return false
    }

    /// The next complete command in `buffer`, consuming its bytes; nil when more bytes are needed
    /// (what was read so far is kept, in `buffer` or in the parser).
    public mutating func next(from buffer: inout ByteBuffer) throws(RESPError) -> RESPCommand? {
        while true {
            switch state {
            case .idle:
                guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
                    return nil
                }
                if first == UInt8(ascii: "*") {
                    if inlineScanned == 0, let command = wholeCommand(in: &buffer) { return command }
                    guard let (count, lineBytes) = try readLengthLine(&buffer, invalid: .invalidArrayLength)
                    else {
                        return nil
                    }
                    if count <= 0 { continue }
                    guard count <= Int64(limits.maxArrayCount) else {
                        throw .arrayTooLong(count: count, limit: limits.maxArrayCount)
                    }
                    var arguments: [[UInt8]] = []
                    arguments.reserveCapacity(Swift.min(Int(count), 1024))
                    state = .array(
                        Progress(remaining: Int(count), arguments: arguments, bytes: Int64(lineBytes)))
                } else {
                    guard let line = try readInlineLine(&buffer) else { return nil }
                    let arguments = try InlineSplitter.split(line)
                    if arguments.isEmpty { continue }
                    return RESPCommand(arguments: arguments)
                }
            case var .array(progress):
                // Move the arguments out of `state` so appending does not copy them.
                state = .idle
                let done = try readArgument(&buffer, &progress)
                if done {
                    return RESPCommand(arguments: progress.arguments)
                }
                state = .array(progress)
                return nil
            }
        }
    }

    /// Reads bulk strings into `progress` until the command is complete (true) or the buffer runs
    /// dry (false).
    private func readArgument(_ buffer: inout ByteBuffer, _ progress: inout Progress) throws(RESPError)
        -> Bool
    {
        while progress.remaining > 0 {
            if progress.bulkLength == nil {
                guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
                    return false
                }
                guard first == UInt8(ascii: "$") else { throw .expectedBulk(got: first) }
                guard let (length, lineBytes) = try readLengthLine(&buffer, invalid: .invalidBulkLength)
                else {
                    return false
                }
                guard length >= 0 else { throw .invalidBulkLength }
                guard length <= Int64(limits.maxBulkBytes) else {
                    throw .bulkTooLong(length: length, limit: limits.maxBulkBytes)
                }
                progress.bytes += Int64(lineBytes)
                let total = progress.bytes + length + 2
                guard total <= Int64(limits.maxCommandBytes) else {
                    throw .commandTooLarge(bytes: total, limit: limits.maxCommandBytes)
                }
                progress.bulkLength = Int(length)
            }
            guard let length = progress.bulkLength, buffer.readableBytes >= length + 2 else { return false }
            let bytes: [UInt8]
            if progress.arguments.isEmpty, length == 3, let name = Self.sharedName(in: buffer) {
                // The name of nearly every pipelined command: one shared array, no allocation.
                bytes = name
                buffer.moveReaderIndex(forwardBy: 3)
            } else {
                guard let read = buffer.readBytes(length: length) else { return false }
                bytes = read
            }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .missingCRLF }
            progress.arguments.append(bytes)
            progress.bytes += Int64(length + 2)
            progress.bulkLength = nil
            progress.remaining -= 1
        }
        return true
    }

    /// The command at the reader index when the buffer holds all of it, well formed and within
    /// the limits, read in one pass over the bytes (one buffer access instead of several per
    /// argument: with 16 pipelined SETs per read the element-by-element path was a tenth of the
    /// server's time). Anything else, an unfinished command or one the element-by-element path
    /// must reject, is nil with the buffer untouched: that path then reads it, error and all.
    private func wholeCommand(in buffer: inout ByteBuffer) -> RESPCommand? {
        let limits = self.limits
        let parsed = buffer.withUnsafeReadableBytes { bytes -> (arguments: [[UInt8]], consumed: Int)? in
            var index = 1
            guard let count = Self.decimal(in: bytes, at: &index), count > 0, count <= limits.maxArrayCount
            else { return nil }
            var arguments: [[UInt8]] = []
            arguments.reserveCapacity(Swift.min(count, 1024))
            for _ in 0..<count {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "$") else { return nil }
                index += 1
                guard let length = Self.decimal(in: bytes, at: &index), length <= limits.maxBulkBytes,
                    index + length + 2 <= limits.maxCommandBytes, length + 2 <= bytes.count - index,
                    bytes[index + length] == 0x0D, bytes[index + length + 1] == 0x0A
                else { return nil }
                let argument = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + length)])
                if arguments.isEmpty, length == 3, let name = Self.sharedName(argument) {
                    arguments.append(name)
                } else {
                    arguments.append([UInt8](argument))
                }
                index += length + 2
            }
            return (arguments, index)
        }
        guard let parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: parsed.consumed)
        return RESPCommand(arguments: parsed.arguments)
    }

    /// The number of a length line at `index` (digits then CR LF, no sign, no leading zero but
    /// "0"), moving `index` past the LF; nil for anything else, incomplete lines included.
    @inline(__always)
    private static func decimal(in bytes: UnsafeRawBufferPointer, at index: inout Int) -> Int? {
        var position = index
        var value = 0
        while position < bytes.count, position - index < 10 {
            let byte = bytes[position]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            position += 1
        }
        let digits = position - index
        guard digits > 0, digits == 1 || bytes[index] != UInt8(ascii: "0"), position + 1 < bytes.count,
            bytes[position] == 0x0D, bytes[position + 1] == 0x0A
        else { return nil }
        index = position + 2
        return value
    }

    private static func sharedName(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "T") else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "G"): return getName
        case UInt8(ascii: "S"): return setName
        default: return nil
        }
    }

    static let getName: [UInt8] = Array("GET".utf8)
    static let setName: [UInt8] = Array("SET".utf8)

    /// `GET` or `SET`, byte for byte as the client spelled them, when the buffer's next three
    /// bytes are one of them: the command's first argument then shares a static array.
    private static func sharedName(in buffer: ByteBuffer) -> [UInt8]? {
        let at = buffer.readerIndex
        guard buffer.getInteger(at: at + 1, as: UInt8.self) == UInt8(ascii: "E"),
            buffer.getInteger(at: at + 2, as: UInt8.self) == UInt8(ascii: "T")
        else { return nil }
        switch buffer.getInteger(at: at, as: UInt8.self) {
        case UInt8(ascii: "G"): return getName
        case UInt8(ascii: "S"): return setName
        default: return nil
        }
    }

    /// Reads a `*<n>\r\n` or `$<n>\r\n` line: the number and the line's length in bytes, or nil
    /// when the line has not fully arrived.
    private func readLengthLine(
        _ buffer: inout ByteBuffer, invalid: RESPError
    ) throws(RESPError) -> (Int64, Int)? {
        let window = Swift.min(buffer.readableBytes, Self.maxLengthLineBytes)
        // The line is prefix, digits, CR, LF; the digits are read in place (no array per line:
        // there are four of these per SET).
        let (newline, number) = buffer.withUnsafeReadableBytes { bytes -> (Int?, Int64?) in
            guard let newline = bytes[0..<window].firstIndex(of: UInt8(ascii: "\n")) else {
                return (nil, nil)
            }
            guard newline >= 2 else { return (newline, nil) }
            return (newline, RESPInteger.parse(bytes[1..<(newline - 1)]))
        }
        guard let newline else {
            if buffer.readableBytes >= Self.maxLengthLineBytes { throw .lengthLineTooLong }
            return nil
        }
        guard newline >= 2, buffer.getInteger(at: buffer.readerIndex + newline - 1, as: UInt8.self) == 0x0D
        else {
            throw .missingCRLF
        }
        guard let number else { throw invalid }
        buffer.moveReaderIndex(forwardBy: newline + 1)
        return (number, newline + 1)
    }

    /// Reads one inline line without its CR LF (or bare LF), or nil when it has not arrived.
    private mutating func readInlineLine(_ buffer: inout ByteBuffer) throws(RESPError) -> [UInt8]? {
        let limit = limits.maxInlineBytes
        // A line may hold `limit` bytes, a CR and the LF.
        let window = Swift.min(buffer.readableBytes, limit + 2)
        let from = Swift.min(inlineScanned, window)
        let newline = buffer.withUnsafeReadableBytes { bytes in
            bytes[from..<window].firstIndex(of: UInt8(ascii: "\n"))
        }
        guard let newline else {
            inlineScanned = window
            if buffer.readableBytes > limit + 1 { throw .inlineTooLong(limit: limit) }
            return nil
        }
        inlineScanned = 0
        var length = newline
        if length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == 0x0D {
            length -= 1
        }
        guard length <= limit else { throw .inlineTooLong(limit: limit) }
        let line = buffer.getBytes(at: buffer.readerIndex, length: length) ?? []
        buffer.moveReaderIndex(forwardBy: newline + 1)
        return line
    }
}
