import GossipKVCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one snapshot file, then deletes what it makes obsolete.
///
/// Order, each step durable before the next: write `snap-<seq>.snap.tmp` through a small buffer
/// (the map is never serialised whole in memory), fsync it, rename it to `snap-<seq>.snap`, fsync
/// the directory; only then delete the log segments before `seq` and older snapshots, and fsync
/// the directory again. A crash at any point leaves either the old snapshot with its segments or
/// the new one (plus, at worst, files the next recovery deletes).
struct SnapshotWriter: Sendable {
    let directory: String
    let limits: Limits
    /// Bytes gathered before each `write(2)`.
    static let bufferBytes = 4 << 20

    func write(_ snapshot: SnapshotState, covering covered: UInt64) throws(StorageError) {
        let finalPath = directory + "/" + SegmentName.snapshotName(covered)
        let temporaryPath = finalPath + ".tmp"
        do throws(StorageError) {
            let file = try Posix.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC)
            var buffer = SnapshotFile.header(firstUncoveredSegment: covered)
            var chunk: [Entry] = []
            var chunkSize = 0
            do {
                try snapshot.map.forEachEntry { entry in
                    chunk.append(entry)
                    // An upper bound of the entry's encoded size: the section stays under
                    // `SnapshotFile.maxSectionBytes`.
                    chunkSize += entry.key.count + (entry.value?.count ?? 0) + 42
                    guard chunkSize >= SnapshotFile.chunkBytes else { return }
                    buffer += try SnapshotFile.entriesSection(chunk, limits: limits)
                    chunk.removeAll(keepingCapacity: true)
                    chunkSize = 0
                    if buffer.count >= Self.bufferBytes {
                        try Posix.writeAll(file, buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            } catch let error as StorageError {
                throw error
            } catch {
                throw .failed(reason: "snapshot: \(error)")
            }
            if !chunk.isEmpty { buffer += try SnapshotFile.entriesSection(chunk, limits: limits) }
            buffer += try SnapshotFile.trailer(
                digest: snapshot.digest, clockCeiling: snapshot.clockCeiling, limits: limits)
            try Posix.writeAll(file, buffer)
            try Posix.fsync(file)
        } catch {
            try? Posix.unlink(temporaryPath)
            throw error
        }
        try Posix.rename(temporaryPath, finalPath)
        try Posix.fsyncDirectory(directory)

        for name in try Posix.listDirectory(directory) {
            if let sequence = SegmentName.parseSegment(name) ?? SegmentName.parseSnapshot(name),
                sequence < covered
            {
                try Posix.unlink(directory + "/" + name)
            }
        }
        try Posix.fsyncDirectory(directory)
    }
}
