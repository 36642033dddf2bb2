import GossipKVCore
import PropertyBased
import Testing

@Suite("Byte reader and writer")
struct WireByteCodecTests {
    @Test("integers are written big-endian and read back")
    func bigEndian() throws {
        var writer = ByteWriter()
        writer.write(UInt8(0xAB))
        writer.write(UInt16(0x0102))
        writer.write(UInt32(0x0304_0506))
        writer.write(UInt64(0x0708_090A_0B0C_0D0E))
        writer.write(NodeID(high: 1, low: 2))
        #expect(writer.bytes.prefix(15) == [0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(Array(writer.bytes.suffix(16)) == NodeID(high: 1, low: 2).bytes)

        var reader = ByteReader(writer.bytes)
        #expect(try reader.readUInt8() == 0xAB)
        #expect(try reader.readUInt16() == 0x0102)
        #expect(try reader.readUInt32() == 0x0304_0506)
        #expect(try reader.readUInt64() == 0x0708_090A_0B0C_0D0E)
        #expect(try reader.readNodeID() == NodeID(high: 1, low: 2))
        try reader.finish()
    }

    @Test("random integers and byte strings round-trip")
    func roundTrip() async {
        await propertyCheck(input: Gen.uint64(), Gen.uint8().array(of: 0...40)) { number, raw in
            var writer = ByteWriter()
            writer.write(number)
            try writer.writeLengthPrefixed(raw)
            var reader = ByteReader(writer.bytes)
            let readNumber = try reader.readUInt64()
            let readRaw = try reader.readLengthPrefixed(limit: 40) { .keyTooLarge(size: $0, limit: $1) }
            #expect(readNumber == number)
            #expect(readRaw == raw)
            #expect(reader.isAtEnd)
        }
    }

    @Test("a reader over a slice reads from the slice's own start")
    func sliceIndices() throws {
        let bytes: [UInt8] = [9, 9, 9, 0, 0, 0, 5, 9]
        var reader = ByteReader(bytes[3..<7])
        #expect(try reader.readUInt32() == 5)
        #expect(throws: WireError.truncated(needed: 1, remaining: 0)) { try reader.readUInt8() }
    }

    @Test("reading past the end throws truncated, never traps")
    func truncated() {
        var reader = ByteReader([1, 2, 3])
        #expect(throws: WireError.truncated(needed: 4, remaining: 3)) { try reader.readUInt32() }
        #expect(throws: WireError.truncated(needed: 8, remaining: 3)) { try reader.readUInt64() }
        #expect(throws: WireError.truncated(needed: 16, remaining: 3)) { try reader.readNodeID() }
        #expect(throws: WireError.truncated(needed: 5, remaining: 3)) { try reader.readBytes(count: 5) }
        #expect(reader.remaining == 3, "a failed read consumes nothing")
    }

    @Test("a huge count in a short message is rejected before anything is reserved")
    func hugeCount() {
        var writer = ByteWriter()
        writer.write(UInt32(1_000_000_000))
        writer.write(contentsOf: [UInt8](repeating: 0, count: 16))
        var reader = ByteReader(writer.bytes)
        #expect(throws: WireError.truncated(needed: 30_000_000_000, remaining: 16)) {
            try reader.readCount(limit: .max, minimumElementSize: 30) {
                .tooManyEntries(count: $0, limit: $1)
            }
        }
        var limited = ByteReader(writer.bytes)
        #expect(throws: WireError.tooManyEntries(count: 1_000_000_000, limit: 10)) {
            try limited.readCount(limit: 10, minimumElementSize: 30) { .tooManyEntries(count: $0, limit: $1) }
        }
    }

    @Test("a length prefix over the limit is rejected as too large, not as truncated")
    func lengthOverLimit() {
        var writer = ByteWriter()
        writer.write(UInt32.max)
        var reader = ByteReader(writer.bytes)
        #expect(throws: WireError.keyTooLarge(size: Int(UInt32.max), limit: 64)) {
            try reader.readLengthPrefixed(limit: 64) { .keyTooLarge(size: $0, limit: $1) }
        }
    }

    @Test("flags other than 0 and 1 are invalid")
    func flags() throws {
        var reader = ByteReader([0, 1, 2])
        #expect(try reader.readFlag(field: "f") == false)
        #expect(try reader.readFlag(field: "f") == true)
        #expect(throws: WireError.invalidField("f")) { try reader.readFlag(field: "f") }
    }

    @Test("left-over bytes fail finish")
    func trailing() throws {
        var reader = ByteReader([1, 2, 3])
        _ = try reader.readUInt8()
        #expect(throws: WireError.trailingBytes(count: 2)) { try reader.finish() }
    }

    @Test("every error has a message and a metrics label")
    func messages() {
        let errors: [WireError] = [
            .truncated(needed: 1, remaining: 0), .oversized(size: 2, limit: 1), .unsupportedVersion(9),
            .unknownKind(99), .unknownChannel(7), .keyTooLarge(size: 2, limit: 1),
            .valueTooLarge(size: 2, limit: 1),
            .tooManyEntries(count: 2, limit: 1), .tooManyOrigins(count: 2, limit: 1),
            .tooManyChunks(count: 2, limit: 1),
            .trailingBytes(count: 1), .invalidField("x"),
        ]
        #expect(Set(errors.map(\.label)).count == errors.count)
        for error in errors { #expect(!error.description.isEmpty) }
    }
}
