import GossipKVCore
import PropertyBased
import Testing

@testable import GossipKVStorage

/// `Storage.append(entries:)`: a node logs a pipelined batch of writes with one `write(2)` per
/// segment; recovery must see exactly what appending them one by one gives.
@Suite("storage batch append")
struct BatchAppendTests {
    @Test("a batch recovers as the same entries appended one by one, across segment rolls")
    func batchRecoversLikeSingles() throws {
        let entries = (0..<40).map { StorageTestData.sample($0, keys: 25) }
        let directory = TemporaryDirectory()
        var configuration = directory.configuration()
        configuration.segmentBytes = 256  // a few records per segment: the batch rolls several times
        let (storage, _) = try Storage.openForTest(configuration)
        try storage.append(entries: Array(entries[0..<30]))
        try storage.append(entries: [])
        try storage.append(entries: Array(entries[30...]))
        #expect(storage.statistics.appendedRecords == entries.count)
        try storage.close()
        let segments = directory.names.filter { $0.hasSuffix(".wal") }
        #expect(segments.count > 2)
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        let expected = StorageTestData.replay(entries.map { LogRecord.entry($0) })
        #expect(recovered.map.sortedEntries() == expected.map.sortedEntries())
        try reopened.close()
    }

    @Test("no segment but the first of a batch starts above the segment size")
    func batchKeepsSegmentsSmall() throws {
        let entries = (0..<50).map { StorageTestData.sample($0) }
        let directory = TemporaryDirectory()
        var configuration = directory.configuration()
        configuration.segmentBytes = 300
        let (storage, _) = try Storage.openForTest(configuration)
        try storage.append(entries: entries)
        try storage.close()
        let largestRecord =
            try entries.map { try LogRecord.entry($0).encoded(limits: .standard).count }.max() ?? 0
        let segments = directory.names.filter { $0.hasSuffix(".wal") }
        #expect(segments.count > 2)
        for name in segments {
            // A segment holds records up to its size, or one record alone.
            let size = directory.read(name).count
            #expect(
                size <= max(configuration.segmentBytes, SegmentHeader.size + largestRecord),
                "\(name): \(size) bytes")
        }
    }

    @Test("records encoded into one buffer are byte for byte the records encoded one by one")
    func sharedBufferMatchesSingles() async {
        await propertyCheck(count: 200, input: StorageTestData.record.array(of: 0...12)) { records in
            var writer = ByteWriter()
            for record in records { try? record.encode(into: &writer, limits: .standard) }
            let singles = records.flatMap { (try? $0.encoded(limits: .standard)) ?? [] }
            #expect(writer.bytes == singles)
        }
    }

    @Test("a batch with a record over the limits is refused whole and the log keeps what it had")
    func oversizedRecordRefusesTheBatch() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.append(entries: [StorageTestData.sample(0)])
        let before = storage.statistics.appendedBytes
        var oversized = StorageTestData.sample(2)
        oversized.key = [UInt8](repeating: 7, count: Limits.standard.maxKeyBytes + 1)
        #expect(throws: StorageError.self) {
            try storage.append(entries: [StorageTestData.sample(1), oversized, StorageTestData.sample(3)])
        }
        #expect(storage.statistics.appendedBytes == before)
        // The failed record left nothing half-encoded behind in a shared buffer either.
        var writer = ByteWriter()
        try LogRecord.entry(StorageTestData.sample(1)).encode(into: &writer, limits: .standard)
        let goodSize = writer.count
        #expect(throws: StorageError.self) {
            try LogRecord.entry(oversized).encode(into: &writer, limits: .standard)
        }
        #expect(writer.count == goodSize)
        try storage.close()
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.map.sortedEntries() == [StorageTestData.sample(0)])
        try reopened.close()
    }
}
