/// Reads wire fields from untrusted bytes.
///
/// Every read first checks the bytes that remain and throws `WireError.truncated` when they
/// fall short, so no input can make it trap. Counts that size an allocation go through
/// `readCount`, which rejects a count whose elements could not fit in the remaining input
/// before anything is reserved: a 20-byte message claiming 10^9 entries costs nothing.
public struct ByteReader: Sendable {
    private let bytes: ArraySlice<UInt8>
    /// Absolute index into `bytes` (slices keep their parent's indices).
    private var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    /// Bytes not yet read.
    public var remaining: Int { bytes.endIndex - position }

    /// Bytes read so far.
    public var consumed: Int { position - bytes.startIndex }

    public var isAtEnd: Bool { position == bytes.endIndex }

    /// Throws unless at least `count` bytes remain.
    public func require(_ count: Int) throws(WireError) {
        guard count >= 0, count <= remaining else { throw .truncated(needed: count, remaining: remaining) }
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 {
        try require(1)
        let value = bytes[position]
        position += 1
        return value
    }

    public mutating func readUInt16() throws(WireError) -> UInt16 { try readBigEndian() }

    public mutating func readUInt32() throws(WireError) -> UInt32 { try readBigEndian() }

    public mutating func readUInt64() throws(WireError) -> UInt64 { try readBigEndian() }

    /// A flag byte; anything but 0 or 1 is an `invalidField(field)`, keeping encodings canonical.
    public mutating func readFlag(field: String) throws(WireError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        default: throw .invalidField(field)
        }
    }

    public mutating func readNodeID() throws(WireError) -> NodeID {
        try require(NodeID.byteCount)
        let high: UInt64 = try readBigEndian()
        let low: UInt64 = try readBigEndian()
        return NodeID(high: high, low: low)
    }

    public mutating func readTimestamp() throws(WireError) -> HLCTimestamp {
        HLCTimestamp(rawValue: try readUInt64())
    }

    /// The next `count` bytes, as a slice sharing storage with the input.
    public mutating func readSlice(count: Int) throws(WireError) -> ArraySlice<UInt8> {
        try require(count)
        let slice = bytes[position..<(position + count)]
        position += count
        return slice
    }

    /// The next `count` bytes, copied.
    public mutating func readBytes(count: Int) throws(WireError) -> [UInt8] {
        Array(try readSlice(count: count))
    }

    /// Everything that remains.
    public mutating func readRest() -> ArraySlice<UInt8> {
        let slice = bytes[position...]
        position = bytes.endIndex
        return slice
    }

    /// A `UInt32` length then that many bytes. A length above `limit` throws `tooLarge(length)`
    /// (checked before the remaining-bytes check, so the error names the real problem).
    public mutating func readLengthPrefixed(
        limit: Int, tooLarge: (_ size: Int, _ limit: Int) -> WireError
    ) throws(WireError) -> [UInt8] {
        let length = Int(try readUInt32())
        guard length <= limit else { throw tooLarge(length, limit) }
        return try readBytes(count: length)
    }

    /// A `UInt32` element count, checked against `limit` (throwing `tooMany(count, limit)`) and
    /// against the remaining input: `count * minimumElementSize` must fit, so the caller may
    /// reserve `count` elements safely.
    public mutating func readCount(
        limit: Int, minimumElementSize: Int, tooMany: (_ count: Int, _ limit: Int) -> WireError
    ) throws(WireError) -> Int {
        let count = Int(try readUInt32())
        guard count <= limit else { throw tooMany(count, limit) }
        let (needed, overflow) = count.multipliedReportingOverflow(by: max(minimumElementSize, 0))
        guard !overflow else { throw .truncated(needed: .max, remaining: remaining) }
        try require(needed)
        return count
    }

    /// Throws `trailingBytes` unless every byte was read: a message must fill its frame exactly.
    public func finish() throws(WireError) {
        guard isAtEnd else { throw .trailingBytes(count: remaining) }
    }

    @inline(__always)
    private mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>() throws(WireError) -> T {
        let size = T.bitWidth / 8
        try require(size)
        var value: T = 0
        for index in position..<(position + size) { value = value << 8 | T(bytes[index]) }
        position += size
        return value
    }
}
