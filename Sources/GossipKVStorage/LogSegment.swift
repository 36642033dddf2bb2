import GossipKVCore

/// File names of the data directory. Sequences are 16 hex digits so names sort as numbers do.
public enum SegmentName {
    public static func fileName(_ sequence: UInt64) -> String { "log-" + hex16(sequence) + ".wal" }

    public static func snapshotName(_ sequence: UInt64) -> String { "snap-" + hex16(sequence) + ".snap" }

    /// The sequence in a `log-<hex>.wal` name, nil for any other name.
    public static func parseSegment(_ name: String) -> UInt64? { parse(name, prefix: "log-", suffix: ".wal") }

    /// The sequence in a `snap-<hex>.snap` name, nil for any other name.
    public static func parseSnapshot(_ name: String) -> UInt64? {
        parse(name, prefix: "snap-", suffix: ".snap")
    }

    static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func parse(_ name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count == prefix.count + 16 + suffix.count
        else {
            return nil
        }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(digits, radix: 16)
    }
}

/// The header of a log segment: magic `GKVL`, `u16` version, `u16` zero, `u64` sequence (the
/// number in the file name, so a renamed or copied segment is noticed), `u32` crc32 of the
/// 16 bytes before it. 20 bytes; records follow.
///
/// Versions: 1 holds entry, watermark and clock-ceiling records; 2 adds removal records
/// (`LogRecord.removal`). This build writes 2 and reads both, so a directory of an older build
/// recovers as it was; an older build refuses a version-2 segment as newer (asking for the newer
/// build) instead of taking a removal for damage, which `--repair` would cut.
public struct SegmentHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("GKVL".utf8)
    public static let currentVersion: UInt16 = 2
    /// The format versions this build reads.
    public static let readableVersions: ClosedRange<UInt16> = 1...currentVersion
    public static let size = 20

    public var version: UInt16
    public var sequence: UInt64

    public init(sequence: UInt64, version: UInt16 = currentVersion) {
        self.sequence = sequence
        self.version = version
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.size)
        writer.write(contentsOf: Self.magic)
        writer.write(version)
        writer.write(UInt16(0))
        writer.write(sequence)
        var bytes = writer.bytes
        bytes.appendBigEndian(CRC32.checksum(bytes[...]))
        return bytes
    }

    /// What the first bytes of a segment hold.
    public enum Parse: Equatable, Sendable {
        case header(SegmentHeader)
        /// Shorter than a header, or all zero: the segment was being created at a crash.
        case torn
        /// A complete header that is wrong (magic, checksum, reserved field).
        case invalid(String)
        /// A valid header of another format version.
        case unsupported(version: UInt16)
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) -> Parse {
        guard bytes.count >= size else { return .torn }
        let header = bytes.prefix(size)
        if header.allSatisfy({ $0 == 0 }) { return .torn }
        guard header.prefix(4).elementsEqual(magic) else { return .invalid("not a log segment (bad magic)") }
        guard CRC32.checksum(header.prefix(16)) == header.bigEndianUInt32(at: header.startIndex + 16) else {
            return .invalid("header checksum mismatch")
        }
        var reader = ByteReader(header.dropFirst(4))
        guard let version = try? reader.readUInt16(), let reserved = try? reader.readUInt16(),
            let sequence = try? reader.readUInt64()
        else { return .invalid("short header") }
        guard readableVersions.contains(version) else { return .unsupported(version: version) }
        guard reserved == 0 else { return .invalid("reserved header field is \(reserved)") }
        return .header(SegmentHeader(sequence: sequence, version: version))
    }
}

/// Reads the records of one segment's bytes and says where, and how, they stop.
public struct SegmentScan: Sendable {
    /// How a segment's valid records end.
    public enum Ending: Equatable, Sendable {
        /// Every byte after the header is a valid record.
        case clean
        /// Damage at `offset` with no valid record after it: what a crash in the middle of an
        /// append leaves (a short record, zero fill, a half-written header). Safe to cut.
        case tornTail(offset: Int, reason: String)
        /// Damage at `offset` with a valid record after it: not a crash artefact.
        case corrupt(offset: Int, reason: String)
    }

    /// Header problems, which stop the scan before any record.
    public enum HeaderProblem: Equatable, Sendable {
        case torn
        case invalid(String)
        case unsupported(version: UInt16)
    }

    public var header: SegmentHeader?
    public var headerProblem: HeaderProblem?
    /// Records in file order, each with its offset in the segment.
    public var records: [(offset: Int, record: LogRecord)] = []
    /// The offset just past the last valid record (the header's end when there is none).
    public var validEnd: Int
    public var ending: Ending

    /// Scans a whole segment file. Total and bounded: lengths are checked before use, and the
    /// search for a valid record after damage only looks at bytes present.
    public init(_ bytes: ArraySlice<UInt8>, limits: Limits) {
        switch SegmentHeader.parse(bytes) {
        case .torn: self.init(header: nil, problem: .torn)
        case .invalid(let reason): self.init(header: nil, problem: .invalid(reason))
        case .unsupported(let version): self.init(header: nil, problem: .unsupported(version: version))
        case .header(let header):
            self.init(header: header, problem: nil)
            scanRecords(bytes, limits: limits)
        }
    }

    private init(header: SegmentHeader?, problem: HeaderProblem?) {
        self.header = header
        headerProblem = problem
        validEnd = header == nil ? 0 : SegmentHeader.size
        ending = .clean
    }

    private mutating func scanRecords(_ bytes: ArraySlice<UInt8>, limits: Limits) {
        let base = bytes.startIndex
        let version = header?.version ?? SegmentHeader.currentVersion
        var position = base + SegmentHeader.size
        while position < bytes.endIndex {
            let reason: String
            switch LogRecord.scan(bytes[position...], limits: limits, formatVersion: version) {
            case .record(let record, let size):
                records.append((offset: position - base, record: record))
                position += size
                validEnd = position - base
                continue
            case .incomplete: reason = "the record is cut short by the end of the file"
            case .zeroHeader: reason = "zero-filled space"
            case .invalid(let why): reason = why
            }
            let offset = position - base
            ending =
                Self.hasValidRecord(after: position, in: bytes, limits: limits, formatVersion: version)
                ? .corrupt(offset: offset, reason: reason) : .tornTail(offset: offset, reason: reason)
            return
        }
    }

    /// True when a valid record starts anywhere after `position`. A crash leaves garbage only at
    /// the end (appends are sequential), so a valid record after damage means the damage is not a
    /// torn tail. Cost: one bounds check per offset, plus a checksum where a length fits.
    static func hasValidRecord(
        after position: Int, in bytes: ArraySlice<UInt8>, limits: Limits, formatVersion: UInt16
    ) -> Bool {
        var candidate = position + 1
        while candidate + LogRecord.headerSize < bytes.endIndex {
            if case .record = LogRecord.scan(
                bytes[candidate...], limits: limits, formatVersion: formatVersion)
            {
                return true
            }
            candidate += 1
        }
        return false
    }
}
