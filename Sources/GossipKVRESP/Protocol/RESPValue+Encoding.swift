import NIOCore

extension ByteBuffer {
    /// Appends `value` as `version` writes it; returns the number of bytes written. RESP2 output
    /// is what the server wrote before it spoke RESP3, byte for byte.
    ///
    /// Simple strings and errors are single lines on the wire: CR and LF inside them are written as
    /// spaces (as Redis does), so that text echoed from a client, such as an unknown command's
    /// name, can never inject a second reply.
    @discardableResult
    public mutating func writeRESPValue(_ value: RESPValue, as version: RESPProtocolVersion = .resp2) -> Int {
        let start = writerIndex
        switch value {
        case let .simpleString(text):
            writeInteger(UInt8(ascii: "+"))
            writeRESPLine(text)
        case let .error(text):
            writeInteger(UInt8(ascii: "-"))
            writeRESPLine(text)
        case let .integer(number):
            writeRESPHeader(":", number)
        case let .bulkString(bytes?):
            writeRESPBulk(bytes)
        case .bulkString(nil):
            writeString(version == .resp3 ? "_\r\n" : "$-1\r\n")
        case let .array(items?):
            writeRESPAggregate("*", items, as: version)
        case .array(nil):
            writeString(version == .resp3 ? "_\r\n" : "*-1\r\n")
        case let .map(pairs):
            if version == .resp3 {
                writeRESPHeader("%", Int64(pairs.count))
            } else {
                writeRESPHeader("*", Int64(pairs.count * 2))
            }
            for pair in pairs {
                writeRESPValue(pair.key, as: version)
                writeRESPValue(pair.value, as: version)
            }
        case let .set(items):
            writeRESPAggregate(version == .resp3 ? "~" : "*", items, as: version)
        case let .push(items):
            writeRESPAggregate(version == .resp3 ? ">" : "*", items, as: version)
        case let .double(number):
            if version == .resp3 {
                writeInteger(UInt8(ascii: ","))
                writeRESPLine(Self.respDouble(number))
            } else {
                writeRESPBulk(Array(Self.respDouble(number).utf8))
            }
        case let .boolean(flag):
            if version == .resp3 {
                writeString(flag ? "#t\r\n" : "#f\r\n")
            } else {
                writeString(flag ? ":1\r\n" : ":0\r\n")
            }
        }
        return writerIndex - start
    }

    /// Redis's spelling of special doubles; finite ones in Swift's shortest exact form.
    static func respDouble(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        return "\(number)"
    }

    private mutating func writeRESPAggregate(
        _ kind: Unicode.Scalar, _ items: [RESPValue], as version: RESPProtocolVersion
    ) {
        writeRESPHeader(kind, Int64(items.count))
        for item in items { writeRESPValue(item, as: version) }
    }

    private mutating func writeRESPHeader(_ kind: Unicode.Scalar, _ number: Int64) {
        writeInteger(UInt8(ascii: kind))
        writeRESPDecimal(number)
        writeRESPNewline()
    }

    /// Writes `number` in decimal straight into the buffer: every bulk reply has a length
    /// header, and `String(number)` cost a conversion and a copy per header.
    mutating func writeRESPDecimal(_ number: Int64) {
        // 20 bytes hold Int64.min's sign and 19 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = number.magnitude
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[start..<20]))
        }
    }

    /// `$<length>` CR LF, the bytes, CR LF, written in place with one access to the buffer's
    /// storage: five separate writes (each an exclusivity-checked access) were 8% of a node's
    /// time answering pipelined GETs.
    mutating func writeRESPBulk(_ bytes: [UInt8]) {
        let count = bytes.count
        var digits = 1
        var rest = count / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        writeWithUnsafeMutableBytes(minimumWritableBytes: count + digits + 5) { out in
            out[0] = UInt8(ascii: "$")
            var magnitude = count
            for position in stride(from: digits, through: 1, by: -1) {
                out[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out[digits + 1] = 0x0D
            out[digits + 2] = 0x0A
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: out[(digits + 3)...]).copyMemory(from: source)
            }
            out[digits + 3 + count] = 0x0D
            out[digits + 4 + count] = 0x0A
            return count + digits + 5
        }
    }

    private mutating func writeRESPLine(_ text: String) {
        // Most lines (`OK`, error messages) hold no CR or LF: one copy instead of one
        // bounds-checked write per byte.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) {
            writeString(text)
            writeRESPNewline()
            return
        }
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
    public var encoded: [UInt8] { encoded(as: .resp2) }

    /// The value's bytes in `version`.
    public func encoded(as version: RESPProtocolVersion) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeRESPValue(self, as: version)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
