import GossipKVCore

/// One record of the write-ahead log.
///
/// Layout (integers big-endian): `u32 length` (of kind + payload), `u32 crc32` (zlib, over kind +
/// payload), `u8 kind`, payload. Payloads reuse the core's canonical codecs, so a record decodes
/// to exactly one value and re-encodes to exactly its bytes (the fuzz target checks this):
/// - kind 1, entry: the entry codec of `ByteWriter+Fields.swift`;
/// - kind 2, watermarks: the digest codec (sorted origins, no zero watermark);
/// - kind 3, clock ceiling: one `u64` HLC timestamp;
/// - kind 4, removal (segment format 2 on; `EntryRemoval`, a write garbage collection dropped):
///   key (`u32` length + bytes), timestamp `u64`, origin 16 bytes.
///
/// The length is checked against `maxBodySize(limits:)` before anything is allocated or
/// checksummed, so a damaged length costs nothing.
public enum LogRecord: Equatable, Sendable {
    case entry(Entry)
    case watermarks(Digest)
    case clockCeiling(HLCTimestamp)
    case removal(EntryRemoval)

    public enum Kind: UInt8, Sendable {
        case entry = 1
        case watermarks = 2
        case clockCeiling = 3
        case removal = 4

        /// The first segment format version whose segments may hold this kind (a format-1
        /// segment holding a removal is damaged, not new).
        public var sinceFormatVersion: UInt16 { self == .removal ? 2 : 1 }
    }

    /// The record of a logged change (`LoggedChange`).
    public init(_ change: LoggedChange) {
        switch change {
        case let .entry(entry): self = .entry(entry)
        case let .removal(removal): self = .removal(removal)
        }
    }

    /// Length and checksum.
    public static let headerSize = 8

    /// The largest kind + payload any record may have under `limits`: the larger of a maximal
    /// entry and a maximal digest (a removal is an entry without its value, so smaller).
    public static func maxBodySize(limits: Limits) -> Int {
        let entry = ByteReader.minimumEntrySize + 4 + 8 + limits.maxKeyBytes + limits.maxValueBytes
        let digest = 4 + limits.maxDigestOrigins * ByteReader.digestPairSize
        return 1 + max(entry, max(digest, 8))
    }

    /// Folds this record into a recovery (`LogReplay`, the rules shared with the simulator).
    public func replay(into replayed: inout LogReplay) {
        switch self {
        case .entry(let entry): replayed.replay(entry: entry)
        case .watermarks(let digest): replayed.replay(watermarks: digest)
        case .clockCeiling(let ceiling): replayed.replay(clockCeiling: ceiling)
        case .removal(let removal): replayed.replay(removal: removal)
        }
    }

    public var kind: Kind {
        switch self {
        case .entry: return .entry
        case .watermarks: return .watermarks
        case .clockCeiling: return .clockCeiling
        case .removal: return .removal
        }
    }

    /// The record's bytes: header, kind, payload.
    public func encoded(limits: Limits) throws(StorageError) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        try encode(into: &writer, limits: limits)
        return writer.bytes
    }

    /// Appends the record (header and body) to `writer`: a batch of records is encoded into one
    /// buffer with no allocation per record (one array per record was a measurable share of a
    /// node's CPU under pipelined SETs). On failure `writer` is left as it was.
    public func encode(into writer: inout ByteWriter, limits: Limits) throws(StorageError) {
        let start = writer.count
        writer.write(UInt32(0))  // length, filled in below
        writer.write(UInt32(0))  // checksum, filled in below
        let bodyStart = writer.count
        writer.write(kind.rawValue)
        do throws(WireError) {
            switch self {
            case .entry(let entry): try writer.write(entry, limits: limits)
            case .watermarks(let digest): try writer.write(digest, limits: limits)
            case .clockCeiling(let ceiling): writer.write(ceiling)
            case .removal(let removal):
                guard removal.key.count <= limits.maxKeyBytes else {
                    throw WireError.keyTooLarge(size: removal.key.count, limit: limits.maxKeyBytes)
                }
                try writer.writeLengthPrefixed(removal.key)
                writer.write(removal.timestamp)
                writer.write(removal.origin)
            }
        } catch {
            writer.truncate(to: start)
            throw .encoding(error)
        }
        let bodyCount = writer.count - bodyStart
        guard let length = UInt32(exactly: bodyCount) else {
            writer.truncate(to: start)
            throw .encoding(.oversized(size: bodyCount, limit: Int(UInt32.max)))
        }
        writer.overwrite(length, at: start)
        writer.overwrite(CRC32.checksum(writer.bytes[bodyStart...]), at: start + 4)
    }

    /// What the bytes at the start of a slice hold.
    public enum Scan: Equatable, Sendable {
        /// A valid record of `size` bytes (header included).
        case record(LogRecord, size: Int)
        /// The slice ends before the record its header announces does (or before a header).
        case incomplete
        /// Eight zero bytes where a header belongs: unwritten space after a crash, never a record.
        case zeroHeader
        /// A length out of bounds, a checksum mismatch or a payload that does not decode.
        case invalid(String)
    }

    /// Decodes the record at the start of `bytes`, found in a segment of format `formatVersion`
    /// (a kind newer than the format is invalid there). Total: any input gives an answer, never
    /// a trap.
    public static func scan(
        _ bytes: ArraySlice<UInt8>, limits: Limits, formatVersion: UInt16 = SegmentHeader.currentVersion
    ) -> Scan {
        guard bytes.count >= headerSize else { return .incomplete }
        let start = bytes.startIndex
        let length = Int(bytes.bigEndianUInt32(at: start))
        let checksum = bytes.bigEndianUInt32(at: start + 4)
        if length == 0 && checksum == 0 { return .zeroHeader }
        guard length >= 1, length <= maxBodySize(limits: limits) else {
            return .invalid("record length \(length) outside 1...\(maxBodySize(limits: limits))")
        }
        guard bytes.count - headerSize >= length else { return .incomplete }
        let body = bytes[(start + headerSize)..<(start + headerSize + length)]
        guard CRC32.checksum(body) == checksum else { return .invalid("checksum mismatch") }
        guard let kind = Kind(rawValue: body[body.startIndex]) else {
            return .invalid("unknown record kind \(body[body.startIndex])")
        }
        guard kind.sinceFormatVersion <= formatVersion else {
            return .invalid("a \(kind) record in a format-\(formatVersion) segment")
        }
        var reader = ByteReader(body.dropFirst())
        do throws(WireError) {
            let record: LogRecord
            switch kind {
            case .entry: record = .entry(try reader.readEntry(limits: limits))
            case .watermarks: record = .watermarks(try reader.readDigest(limits: limits))
            case .clockCeiling: record = .clockCeiling(try reader.readTimestamp())
            case .removal:
                let key = try reader.readLengthPrefixed(limit: limits.maxKeyBytes) {
                    .keyTooLarge(size: $0, limit: $1)
                }
                record = .removal(
                    EntryRemoval(
                        key: key, timestamp: try reader.readTimestamp(), origin: try reader.readNodeID()))
            }
            try reader.finish()
            return .record(record, size: headerSize + length)
        } catch {
            return .invalid("\(kind) payload: \(error)")
        }
    }
}
