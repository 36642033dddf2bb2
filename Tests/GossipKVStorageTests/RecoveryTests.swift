import GossipKVCore
import Testing

@testable import GossipKVStorage

@Suite("recovery", .serialized)
struct RecoveryTests {
    static let firstSegment = SegmentName.fileName(1)

    /// Writes `records` through a real storage (one segment) and returns the segment's bytes and
    /// the offset where each record ends.
    static func writeLog(_ records: [LogRecord], in directory: TemporaryDirectory) throws -> (
        bytes: [UInt8], ends: [Int]
    ) {
        let (storage, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.isFresh)
        var ends: [Int] = []
        var position = SegmentHeader.size
        for record in records {
            try storage.append(record: record)
            position += try record.encoded(limits: .standard).count
            ends.append(position)
        }
        try storage.close()
        return (directory.read(firstSegment), ends)
    }

    static func expectState(
        _ recovered: RecoveredState, equals records: some Sequence<LogRecord>, _ comment: Comment? = nil
    ) {
        let expected = StorageTestData.replay(records)
        #expect(recovered.map.sortedEntries() == expected.map.sortedEntries(), comment)
        #expect(recovered.map.stateHash == expected.map.stateHash, comment)
        #expect(recovered.digest == expected.digest, comment)
        #expect(recovered.clockCeiling == expected.ceiling, comment)
    }

    @Test("a log cut at every byte recovers exactly the records wholly before the cut")
    func everyTruncationPoint() throws {
        let records = LogRecord.mixed(9)
        let source = TemporaryDirectory()
        let (bytes, ends) = try Self.writeLog(records, in: source)
        #expect(bytes.count == ends.last)
        for cut in 0...bytes.count {
            let directory = TemporaryDirectory()
            directory.write(Self.firstSegment, Array(bytes[..<cut]))
            let (storage, recovered) = try Storage.openForTest(directory.configuration())
            let kept = ends.filter { $0 <= cut }.count
            Self.expectState(recovered, equals: records.prefix(kept), "cut at \(cut)")
            if cut > SegmentHeader.size && !ends.contains(cut) {
                let boundary = ends.last(where: { $0 < cut }) ?? SegmentHeader.size
                #expect(
                    recovered.report.contains { $0.contains("torn tail cut at offset \(boundary)") },
                    "cut at \(cut): \(recovered.report)")
            }
            // Appending after the cut goes to a new segment; a second recovery sees no damage.
            try storage.append(
                .init(
                    key: [1], value: [2], timestamp: HLCTimestamp(rawValue: 1),
                    origin: StorageTestData.origins[0]))
            try storage.close()
            let (again, second) = try Storage.openForTest(directory.configuration())
            #expect(!second.report.contains { $0.contains("torn") }, "cut at \(cut): \(second.report)")
            #expect(
                second.map.count
                    == StorageTestData.replay(
                        records.prefix(kept) + [
                            .entry(
                                .init(
                                    key: [1], value: [2], timestamp: HLCTimestamp(rawValue: 1),
                                    origin: StorageTestData.origins[0]))
                        ]
                    ).map.count)
            try again.close()
        }
    }

    @Test("a zero-filled tail (space allocated before a crash) is cut like any torn tail")
    func zeroFilledTail() throws {
        let records = LogRecord.mixed(6)
        let directory = TemporaryDirectory()
        let (bytes, _) = try Self.writeLog(records, in: directory)
        directory.write(Self.firstSegment, bytes + [UInt8](repeating: 0, count: 4096))
        let (storage, recovered) = try Storage.openForTest(directory.configuration())
        Self.expectState(recovered, equals: records)
        #expect(
            recovered.report.contains {
                $0.contains("torn tail cut at offset \(bytes.count) (zero-filled space)")
            })
        try storage.close()
    }

    @Test("a flipped byte in a middle record refuses to start and touches nothing; repair cuts from it")
    func corruptionInTheMiddle() throws {
        let records = LogRecord.mixed(9)
        let source = TemporaryDirectory()
        let (bytes, ends) = try Self.writeLog(records, in: source)
        let damagedIndex = 4
        let start = ends[damagedIndex - 1]
        for position in start..<ends[damagedIndex] {
            let directory = TemporaryDirectory()
            var damaged = bytes
            damaged[position] ^= 0x20
            directory.write(Self.firstSegment, damaged)
            let before = directory.names
            let refused = Result { () throws(StorageError) in
                try Storage.openForTest(directory.configuration())
            }
            switch refused {
            case .success(let (storage, _)):
                try storage.close()
                Issue.record("byte \(position) flipped: recovery accepted a corrupt log")
            case .failure(.corruptLog(let segment, let offset, let reason)):
                #expect(segment == Self.firstSegment)
                #expect(offset == start, "byte \(position): \(reason)")
                #expect(
                    StorageError.corruptLog(segment: segment, offset: offset, reason: reason).description
                        .contains("repair"))
            case .failure(let error):
                Issue.record("byte \(position): unexpected \(error)")
            }
            // Nothing was changed: same files, same bytes (the lock file aside).
            #expect(directory.names.filter { $0 != "LOCK" } == before)
            #expect(directory.read(Self.firstSegment) == damaged)

            let (storage, recovered) = try Storage.openForTest(directory.configuration(repair: true))
            let kept = Array(records.prefix(damagedIndex))
            let expected = StorageTestData.replay(kept)
            #expect(recovered.map.sortedEntries() == expected.map.sortedEntries())
            #expect(recovered.digest == expected.digest)
            #expect(
                recovered.report.contains {
                    $0.contains("repair: segment \(Self.firstSegment) cut at offset \(start)")
                })
            try storage.close()
            // Repaired for good: a plain start now works.
            let (plain, _) = try Storage.openForTest(directory.configuration())
            try plain.close()
        }
    }

    @Test("watermarks logged after a repaired cut are not trusted")
    func repairKeepsEarlierWatermarks() throws {
        let early = Digest([StorageTestData.origins[0]: HLCTimestamp(rawValue: 10)])
        let late = Digest([StorageTestData.origins[0]: HLCTimestamp(rawValue: 99)])
        let records: [LogRecord] = [
            .entry(StorageTestData.sample(0)), .watermarks(early), .entry(StorageTestData.sample(1)),
            .entry(StorageTestData.sample(2)), .watermarks(late),
        ]
        let directory = TemporaryDirectory()
        var configuration = directory.configuration()
        configuration.segmentBytes = 1  // one record per segment: the damage is in segment 3 of 5
        let (storage, _) = try Storage.openForTest(configuration)
        for record in records { try storage.append(record: record) }
        try storage.close()
        let third = SegmentName.fileName(3)
        var bytes = directory.read(third)
        bytes[SegmentHeader.size + 9] ^= 1
        directory.write(third, bytes)
        #expect(throws: StorageError.self) { try Storage.openForTest(directory.configuration()) }
        let (repaired, recovered) = try Storage.openForTest(directory.configuration(repair: true))
        #expect(recovered.digest == early)
        #expect(recovered.map.entry(forKey: StorageTestData.sample(2).key) == StorageTestData.sample(2))
        #expect(recovered.map.entry(forKey: StorageTestData.sample(1).key) == nil)
        try repaired.close()
    }

    @Test("a missing segment refuses to start")
    func missingSegment() throws {
        let directory = TemporaryDirectory()
        var configuration = directory.configuration()
        configuration.segmentBytes = 1
        let (storage, _) = try Storage.openForTest(configuration)
        for index in 0..<3 { try storage.append(StorageTestData.sample(index)) }
        try storage.close()
        try Posix.unlink(directory.file(SegmentName.fileName(2)))
        #expect(throws: StorageError.missingSegment(directory: directory.path, sequence: 2)) {
            try Storage.openForTest(directory.configuration())
        }
        let (repaired, recovered) = try Storage.openForTest(directory.configuration(repair: true))
        #expect(recovered.map.count == 2)
        try repaired.close()
    }

    @Test("snapshot plus log recovers the map as it was before the crash; covered segments go")
    func snapshotAndLog() async throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration(fsync: .batch))
        var map = LWWMap()
        var digest = Digest()
        for index in 0..<300 {
            let entry = StorageTestData.sample(index, keys: 120)
            map.merge(entry)
            try storage.append(entry)
            if index % 50 == 49 {
                digest.raise(entry.origin, to: entry.timestamp)
                try storage.appendWatermarks(digest)
            }
        }
        try storage.appendClockCeiling(HLCTimestamp(physical: 9_000))
        let task = try storage.beginSnapshot(
            SnapshotState(map: map, digest: digest, clockCeiling: HLCTimestamp(physical: 9_000)))
        // Writes go on while the snapshot is written.
        for index in 300..<450 {
            let entry = StorageTestData.sample(index, keys: 160)
            map.merge(entry)
            try storage.append(entry)
        }
        try await task.value
        digest.raise(StorageTestData.origins[1], to: HLCTimestamp(physical: 1_449))
        try storage.appendWatermarks(digest)
        #expect(storage.statistics.snapshotsWritten == 1)
        // Stop as a crash would leave the files (close adds only an fsync and drops the lock).
        try storage.close()

        #expect(directory.names.contains(SegmentName.snapshotName(2)))
        #expect(!directory.names.contains(SegmentName.fileName(1)))
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.map.sortedEntries() == map.sortedEntries())
        #expect(recovered.map.stateHash == map.stateHash)
        #expect(recovered.digest == digest)
        #expect(recovered.clockCeiling == HLCTimestamp(physical: 9_000))
        #expect(!recovered.isFresh)
        #expect(recovered.report.contains { $0.hasPrefix("loaded snapshot \(SegmentName.snapshotName(2))") })
        #expect(recovered.entries == map.sortedEntries())

        // A second snapshot replaces the first.
        let second = try reopened.beginSnapshot(
            SnapshotState(map: recovered.map, digest: recovered.digest, clockCeiling: recovered.clockCeiling))
        try await second.value
        #expect(directory.names.filter { $0.hasPrefix("snap-") } == [SegmentName.snapshotName(4)])
        try reopened.close()
        let (last, again) = try Storage.openForTest(directory.configuration())
        #expect(again.map.sortedEntries() == map.sortedEntries())
        try last.close()
    }

    @Test("a damaged snapshot with no older one refuses; an unfinished one is ignored")
    func damagedSnapshot() async throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        var map = LWWMap()
        for index in 0..<20 {
            map.merge(StorageTestData.sample(index))
            try storage.append(StorageTestData.sample(index))
        }
        try await storage.beginSnapshot(SnapshotState(map: map, digest: Digest(), clockCeiling: .zero)).value
        try storage.close()
        directory.write(SegmentName.snapshotName(9) + ".tmp", [1, 2, 3])
        let (clean, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.map.sortedEntries() == map.sortedEntries())
        #expect(!directory.names.contains(SegmentName.snapshotName(9) + ".tmp"))
        try clean.close()

        let name = SegmentName.snapshotName(2)
        var bytes = directory.read(name)
        bytes[bytes.count / 2] ^= 0xFF
        directory.write(name, bytes)
        #expect {
            try Storage.openForTest(directory.configuration())
        } throws: { error in
            guard case .corruptSnapshot(let file, _) = error as? StorageError else { return false }
            return file == name
        }
    }
}
