import GossipKVCore
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
}
