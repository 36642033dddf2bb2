import GossipKVCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `EPOCH` file of a data directory: the node's current data epoch and whether a process is
/// running on the directory (the unclean-shutdown marker).
///
/// Why a file of its own rather than a log record: it must be durable before the first append
/// whatever the fsync policy, it changes twice per run (at open and at a clean close), and a
/// snapshot that truncates the log must never lose it. It is rewritten whole, temp file
/// (`EPOCH.new`), fsync, rename, directory fsync, so it is always one version or the other,
/// never torn.
///
/// Layout, 20 bytes exactly (integers big-endian): magic `GKVE`, `u16` version (1), `u8` state
/// (0 = closed cleanly, 1 = running), `u8` zero, `u64` epoch, `u32` crc32 of the 16 bytes before
/// it. The decoder is total and bounded: it looks at no more than `size` bytes and answers any
/// input with a value or a `DecodeError`.
public enum DataEpochFile {
    public static let fileName = "EPOCH"
    static let temporaryName = "EPOCH.new"
    public static let magic: [UInt8] = Array("GKVE".utf8)
    public static let currentVersion: UInt16 = 1
    public static let size = 20

    /// What the file holds.
    public struct Record: Equatable, Sendable {
        /// The node's data epoch (`NodeID.origin(node:epoch:)`).
        public var epoch: UInt64
        /// True from open to a clean close: found true at open, the last run did not close.
        public var running: Bool

        public init(epoch: UInt64, running: Bool) {
            self.epoch = epoch
            self.running = running
        }
    }

    /// Why the file did not decode.
    public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        case wrongSize(Int)
        case badMagic
        /// A newer format: the storage refuses it rather than guess.
        case unsupportedVersion(UInt16)
        case checksumMismatch
        case invalidState(UInt8)
        case nonZeroReserved(UInt8)

        public var description: String {
            switch self {
            case .wrongSize(let count): return "\(count) bytes, expected \(DataEpochFile.size)"
            case .badMagic: return "not an epoch file (bad magic)"
            case .unsupportedVersion(let version): return "epoch file format version \(version)"
            case .checksumMismatch: return "checksum mismatch"
            case .invalidState(let state): return "unknown state \(state)"
            case .nonZeroReserved(let byte): return "reserved byte is \(byte), not 0"
            }
        }
    }

    public static func encode(_ record: Record) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(size)
        bytes.append(UInt8(truncatingIfNeeded: currentVersion >> 8))
        bytes.append(UInt8(truncatingIfNeeded: currentVersion))
        bytes.append(record.running ? 1 : 0)
        bytes.append(0)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: record.epoch >> UInt64(shift)))
        }
        bytes.appendBigEndian(CRC32.checksum(bytes[...]))
        return bytes
    }

    /// Decodes the file's bytes. The version is checked before the checksum so that a newer
    /// format is named as such.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> Record {
        guard bytes.count == size else { throw .wrongSize(bytes.count) }
        let start = bytes.startIndex
        guard bytes[start..<(start + 4)].elementsEqual(magic) else { throw .badMagic }
        let version = UInt16(bytes[start + 4]) << 8 | UInt16(bytes[start + 5])
        guard version == currentVersion else { throw .unsupportedVersion(version) }
        guard CRC32.checksum(bytes[start..<(start + 16)]) == bytes.bigEndianUInt32(at: start + 16) else {
            throw .checksumMismatch
        }
        let state = bytes[start + 6]
        guard state <= 1 else { throw .invalidState(state) }
        guard bytes[start + 7] == 0 else { throw .nonZeroReserved(bytes[start + 7]) }
        var epoch: UInt64 = 0
        for index in (start + 8)..<(start + 16) { epoch = epoch << 8 | UInt64(bytes[index]) }
        return Record(epoch: epoch, running: state == 1)
    }

    /// Reads the file of `directory`: nil when there is none. Reads at most `size + 1` bytes, so
    /// a huge file is refused without being read.
    static func read(directory: String) throws(StorageError) -> Result<Record, DecodeError>? {
        let path = directory + "/" + fileName
        let file: FileDescriptor
        do {
            file = try Posix.open(path, O_RDONLY)
        } catch {
            if case .io(_, _, let code) = error, code == ENOENT { return nil }
            throw error
        }
        let bytes = try Posix.read(file, upTo: size + 1)
        return Result { () throws(DecodeError) in try decode(bytes[...]) }
    }

    /// Replaces the file durably: temp file, fsync, rename, directory fsync.
    static func write(_ record: Record, directory: String) throws(StorageError) {
        let temporary = directory + "/" + temporaryName
        let file = try Posix.open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        try Posix.writeAll(file, encode(record))
        try Posix.fsync(file)
        try Posix.rename(temporary, directory + "/" + fileName)
        try Posix.fsyncDirectory(directory)
    }
}
