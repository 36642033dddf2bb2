import CZlib

/// zlib's CRC-32 (the IEEE polynomial, as gzip and PNG use), computed incrementally.
///
/// Why zlib: its implementation is table-driven and vectorised, tested for decades, and a
/// hand-rolled table is one more thing to get wrong (DESIGN: never a hand-rolled table).
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let result = crc32_z(UInt(value), base.assumingMemoryBound(to: UInt8.self), bytes.count)
        value = UInt32(truncatingIfNeeded: result)
    }

    mutating func update(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBytes { update($0) } }

    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` big-endian.
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}

extension ArraySlice where Element == UInt8 {
    /// The big-endian `UInt32` at `index` (the caller checked the bounds).
    func bigEndianUInt32(at index: Int) -> UInt32 {
        UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8
            | UInt32(self[index + 3])
    }
}
