/// Appends fields to a growing byte array in the wire's conventions: integers big-endian (network
/// order, so a hex dump reads naturally), byte strings with a `UInt32` length prefix, node ids as
/// their 16 bytes and timestamps as their packed `UInt64`.
///
/// Writing cannot fail except for a byte string longer than a `UInt32` can count, which the
/// length-prefixed writer reports instead of trapping.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func reserveCapacity(_ capacity: Int) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) { writeBigEndian(value) }

    public mutating func write(_ value: UInt32) { writeBigEndian(value) }

    public mutating func write(_ value: UInt64) { writeBigEndian(value) }

    /// A flag byte: 1 for true, 0 for false (decoders reject anything else).
    public mutating func write(_ flag: Bool) { bytes.append(flag ? 1 : 0) }

    /// The 16 bytes of the id, in the same order as `NodeID.bytes`.
    public mutating func write(_ id: NodeID) {
        writeBigEndian(id.high)
        writeBigEndian(id.low)
    }

    public mutating func write(_ timestamp: HLCTimestamp) { writeBigEndian(timestamp.rawValue) }

    /// Raw bytes, with no length: for fixed-size fields and for the envelope's body.
    public mutating func write(contentsOf raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }

    /// A `UInt32` length, then the bytes.
    public mutating func writeLengthPrefixed(_ raw: some Collection<UInt8>) throws(WireError) {
        guard let length = UInt32(exactly: raw.count) else {
            throw .oversized(size: raw.count, limit: Int(UInt32.max))
        }
        write(length)
        bytes.append(contentsOf: raw)
    }

    /// Replaces the four bytes at `offset` with `value` big-endian: a header whose length and
    /// checksum are known only once the body after it is written (log records batched into one
    /// buffer). `offset + 4` must not pass `count`.
    public mutating func overwrite(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "overwrite past the written bytes")
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
    }

    /// Drops everything written after the first `count` bytes: a record that failed to encode
    /// leaves nothing behind in a shared buffer.
    public mutating func truncate(to count: Int) {
        guard count < bytes.count else { return }
        bytes.removeSubrange(max(count, 0)...)
    }

    @inline(__always)
    private mutating func writeBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
}
