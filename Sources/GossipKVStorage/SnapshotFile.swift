import GossipKVCore

/// The snapshot file format: the whole map, its watermarks and the HLC ceiling at one instant.
///
/// Layout (integers big-endian):
/// - header, 20 bytes: magic `GKVS`, `u16` version, `u16` zero, `u64` first log segment not
///   covered (replay starts there), `u32` crc32 of the 16 bytes before it;
/// - sections, each `u8` type, `u32` length, `u32` crc32 (over type, length and payload), then
///   the payload. In this order: any number of entries sections (`u32` count ≥ 1, then that many
///   entries in the core's entry codec), one digest section (the digest codec), one clock-ceiling
///   section (`u64`), one end section (empty), and nothing after it.
///
/// Why sections: each is checksummed on its own and bounded (`maxSectionBytes`), so the reader
/// never trusts a size before checking it against the bytes present, and a later version can add
/// sections (per-peer GC state, say). This version refuses a section type it does not know with a
/// clear error instead of skipping it: data it cannot read must not be dropped by rewriting.
/// Entries sections are cut at about `chunkBytes` so the writer streams a large map through a
/// small buffer. The order of entries is unspecified (recovery merges them, and merging commutes).
public enum SnapshotFile {
    public static let magic: [UInt8] = Array("GKVS".utf8)
    public static let currentVersion: UInt16 = 1
    public static let headerSize = 20
    public static let sectionHeaderSize = 9
    /// Entries sections are closed once they pass this size.
    public static let chunkBytes = 1 << 20

    public enum SectionType: UInt8, Sendable {
        case entries = 1
        case digest = 2
        case clockCeiling = 3
        case end = 0xFF
    }

    /// The largest section a reader accepts: a chunk plus one maximal entry, or a maximal digest.
    public static func maxSectionBytes(limits: Limits) -> Int {
        chunkBytes + LogRecord.maxBodySize(limits: limits) + 4
    }

    /// A decoded snapshot, keeping the entries sections as they were cut, so that re-encoding
    /// gives back the same bytes (the fuzz target checks this).
    public struct Contents: Equatable, Sendable {
        public var firstUncoveredSegment: UInt64
        public var entryChunks: [[Entry]]
        public var digest: Digest
        public var clockCeiling: HLCTimestamp

        public init(
            firstUncoveredSegment: UInt64, entryChunks: [[Entry]], digest: Digest, clockCeiling: HLCTimestamp
        ) {
            self.firstUncoveredSegment = firstUncoveredSegment
            self.entryChunks = entryChunks
            self.digest = digest
            self.clockCeiling = clockCeiling
        }
    }

    /// Why a snapshot did not decode.
    public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Damaged or cut short: another snapshot (or repair) may do.
        case corrupt(String)
        /// A newer format: refuse, whatever `repair` says.
        case unsupported(String)

        public var description: String {
            switch self {
            case .corrupt(let reason), .unsupported(let reason): return reason
            }
        }
    }

    // MARK: Encoding

    public static func header(firstUncoveredSegment: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: headerSize)
        writer.write(contentsOf: magic)
        writer.write(currentVersion)
        writer.write(UInt16(0))
        writer.write(firstUncoveredSegment)
        var bytes = writer.bytes
        bytes.appendBigEndian(CRC32.checksum(bytes[...]))
        return bytes
    }

    /// One section, header and payload.
    public static func section(_ type: SectionType, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sectionHeaderSize + payload.count)
        bytes.append(type.rawValue)
        bytes.appendBigEndian(UInt32(truncatingIfNeeded: payload.count))
        var crc = CRC32()
        crc.update(bytes[...])
        crc.update(payload)
        bytes.appendBigEndian(crc.value)
        bytes.append(contentsOf: payload)
        return bytes
    }

    public static func entriesSection(_ entries: [Entry], limits: Limits) throws(StorageError) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + entries.count * 64)
        writer.write(UInt32(truncatingIfNeeded: entries.count))
        do {
            for entry in entries { try writer.write(entry, limits: limits) }
        } catch {
            throw .encoding(error)
        }
        return section(.entries, payload: writer.bytes)
    }

    /// The digest, clock-ceiling and end sections: everything after the entries.
    public static func trailer(digest: Digest, clockCeiling: HLCTimestamp, limits: Limits)
        throws(StorageError) -> [UInt8]
    {
        var digestWriter = ByteWriter()
        do { try digestWriter.write(digest, limits: limits) } catch { throw .encoding(error) }
        var ceilingWriter = ByteWriter(capacity: 8)
        ceilingWriter.write(clockCeiling)
        return section(.digest, payload: digestWriter.bytes)
            + section(.clockCeiling, payload: ceilingWriter.bytes)
            + section(.end, payload: [])
    }

    /// A whole snapshot in memory (tests and fuzzing; the storage streams instead).
    public static func encode(_ contents: Contents, limits: Limits) throws(StorageError) -> [UInt8] {
        var bytes = header(firstUncoveredSegment: contents.firstUncoveredSegment)
        for chunk in contents.entryChunks { bytes += try entriesSection(chunk, limits: limits) }
        bytes += try trailer(digest: contents.digest, clockCeiling: contents.clockCeiling, limits: limits)
        return bytes
    }

    // MARK: Decoding

    /// Decodes a whole snapshot file. Total and bounded: every length and count is checked
    /// against the bytes present (and `maxSectionBytes`) before use.
    public static func decode(_ bytes: ArraySlice<UInt8>, limits: Limits) throws(DecodeError) -> Contents {
        guard bytes.count >= headerSize else { throw .corrupt("shorter than a snapshot header") }
        let start = bytes.startIndex
        guard bytes.prefix(4).elementsEqual(magic) else { throw .corrupt("not a snapshot (bad magic)") }
        guard CRC32.checksum(bytes[start..<(start + 16)]) == bytes.bigEndianUInt32(at: start + 16) else {
            throw .corrupt("header checksum mismatch")
        }
        var header = ByteReader(bytes[(start + 4)..<(start + 16)])
        guard let version = try? header.readUInt16(), let reserved = try? header.readUInt16(),
            let firstSegment = try? header.readUInt64()
        else { throw .corrupt("short header") }
        guard version == currentVersion else {
            throw .unsupported("snapshot format version \(version) (this build reads \(currentVersion))")
        }
        guard reserved == 0 else { throw .corrupt("reserved header field is \(reserved)") }

        var contents = Contents(
            firstUncoveredSegment: firstSegment, entryChunks: [], digest: Digest(), clockCeiling: .zero)
        var position = start + headerSize
        var expected = SectionType.entries  // the earliest section type allowed next
        while true {
            guard bytes.endIndex - position >= sectionHeaderSize else {
                throw .corrupt("cut short at offset \(position - start) (no end section)")
            }
            let typeByte = bytes[position]
            let length = Int(bytes.bigEndianUInt32(at: position + 1))
            let checksum = bytes.bigEndianUInt32(at: position + 5)
            guard let type = SectionType(rawValue: typeByte) else {
                throw .unsupported(
                    "snapshot section type \(typeByte) at offset \(position - start) is unknown")
            }
            guard length <= maxSectionBytes(limits: limits) else {
                throw .corrupt("section length \(length) at offset \(position - start) is above the limit")
            }
            guard bytes.endIndex - position - sectionHeaderSize >= length else {
                throw .corrupt("section at offset \(position - start) is cut short")
            }
            let payload = bytes[(position + sectionHeaderSize)..<(position + sectionHeaderSize + length)]
            var crc = CRC32()
            crc.update(bytes[position..<(position + 5)])
            crc.update(payload)
            guard crc.value == checksum else {
                throw .corrupt("section checksum mismatch at offset \(position - start)")
            }
            guard type.rawValue >= expected.rawValue else {
                throw .corrupt("section \(type) at offset \(position - start) is out of order")
            }
            position += sectionHeaderSize + length
            do throws(WireError) {
                var reader = ByteReader(payload)
                switch type {
                case .entries:
                    let count = try reader.readCount(
                        limit: Int(UInt32.max), minimumElementSize: ByteReader.minimumEntrySize
                    ) { .tooManyEntries(count: $0, limit: $1) }
                    guard count > 0 else { throw .invalidField("snapshot.entries.count (zero)") }
                    var chunk: [Entry] = []
                    chunk.reserveCapacity(count)
                    for _ in 0..<count { chunk.append(try reader.readEntry(limits: limits)) }
                    contents.entryChunks.append(chunk)
                    expected = .entries
                case .digest:
                    contents.digest = try reader.readDigest(limits: limits)
                    expected = .clockCeiling
                case .clockCeiling:
                    guard expected == .clockCeiling else {
                        throw .invalidField("snapshot: clock ceiling before digest")
                    }
                    contents.clockCeiling = try reader.readTimestamp()
                    expected = .end
                case .end:
                    guard expected == .end else {
                        throw .invalidField("snapshot: end before the clock ceiling")
                    }
                }
                try reader.finish()
            } catch {
                throw .corrupt("section \(type): \(error)")
            }
            if type == .end {
                guard position == bytes.endIndex else {
                    throw .corrupt("\(bytes.endIndex - position) bytes after the end section")
                }
                return contents
            }
        }
    }
}
