import GossipKVCore
import Testing

@testable import GossipKVStorage

/// Removal records: garbage collection's drops are logged, so recovery gives back the map the
/// node had, and a snapshot taken before a removal does not bring the entry back.
@Suite("removal records", .serialized)
struct RemovalRecordTests {
    static let origin = StorageTestData.origins[0]

    static func entry(_ key: String, _ value: String?, at physical: UInt64) -> Entry {
        Entry(
            key: Array(key.utf8), value: value.map { Array($0.utf8) },
            timestamp: HLCTimestamp(physical: physical),
            origin: origin)
    }

    @Test("a collected entry stays gone after a restart; a newer write logged after its removal stays")
    func collectedStaysGone() throws {
        let directory = TemporaryDirectory()
        let tombstone = Self.entry("deleted", nil, at: 1_000)
        let expired = Self.entry("rewritten", "old", at: 1_001)
        let newer = Self.entry("rewritten", "new", at: 1_005)
        let held = Self.entry("held", "value", at: 1_010)
        do {
            let (storage, _) = try Storage.openForTest(directory.configuration())
            try storage.append(entries: [tombstone, expired, held])
            try storage.append(changes: [
                .removal(EntryRemoval(of: tombstone)), .removal(EntryRemoval(of: expired)), .entry(newer),
                // A removal naming a write the key no longer holds (an older one) drops nothing.
                .removal(
                    EntryRemoval(key: held.key, timestamp: HLCTimestamp(physical: 1_009), origin: Self.origin)
                ),
            ])
        }  // dropped without close: a crash (every write(2) is in the file)
        let (storage, recovered) = try Storage.openForTest(directory.configuration())
        #expect(
            recovered.map.sortedEntries()
                == [held, newer].sorted { $0.key.lexicographicallyPrecedes($1.key) })
        #expect(recovered.map.entry(forKey: tombstone.key) == nil)
        try storage.close()
    }

    @Test("a removal logged after a snapshot drops the entry the snapshot holds; a later snapshot lacks it")
    func removalAfterSnapshot() async throws {
        let directory = TemporaryDirectory()
        let tombstone = Self.entry("deleted", nil, at: 1_000)
        let held = Self.entry("held", "value", at: 1_001)
        var map = LWWMap()
        map.merge(tombstone)
        map.merge(held)
        do {
            let (storage, _) = try Storage.openForTest(directory.configuration())
            try storage.append(entries: [tombstone, held])
            try await storage.beginSnapshot(SnapshotState(map: map, digest: Digest(), clockCeiling: .zero))
                .value
            map.remove(tombstone)
            try storage.append(changes: [.removal(EntryRemoval(of: tombstone))])
        }  // a crash after the removal
        do {
            let (storage, recovered) = try Storage.openForTest(directory.configuration())
            #expect(recovered.report.contains { $0.hasPrefix("loaded snapshot") })
            #expect(recovered.map.sortedEntries() == [held], "the snapshot's tombstone came back")
            // Snapshotting what recovery gave back keeps the removal: the old log is deleted.
            try await storage.beginSnapshot(
                SnapshotState(
                    map: recovered.map, digest: recovered.digest, clockCeiling: recovered.clockCeiling)
            ).value
            try storage.close()
        }
        let (storage, again) = try Storage.openForTest(directory.configuration())
        #expect(again.map.sortedEntries() == [held])
        #expect(again.map.stateHash == map.stateHash)
        try storage.close()
    }

    @Test("a format-1 segment (an older build's) recovers; a removal in one is damage, not a record")
    func formatOneSegments() throws {
        let written = Self.entry("k", "v", at: 1_000)
        let removal = LogRecord.removal(EntryRemoval(of: written))
        let removalBytes = try removal.encoded(limits: .standard)
        #expect(
            LogRecord.scan(removalBytes[...], limits: .standard) == .record(removal, size: removalBytes.count)
        )
        #expect(
            LogRecord.scan(removalBytes[...], limits: .standard, formatVersion: 1)
                == .invalid("a removal record in a format-1 segment"))

        var segment = SegmentHeader(sequence: 1, version: 1).encoded
        segment += try LogRecord.entry(written).encoded(limits: .standard)
        segment += try LogRecord.watermarks(Digest([Self.origin: written.timestamp])).encoded(
            limits: .standard)
        let directory = TemporaryDirectory()
        directory.write(SegmentName.fileName(1), segment)
        do {
            let (storage, recovered) = try Storage.openForTest(directory.configuration())
            #expect(recovered.map.sortedEntries() == [written])
            #expect(recovered.digest[Self.origin] == written.timestamp)
            try storage.close()
        }
        // The same segment with a removal after its records: a format-1 build never wrote one,
        // so it is damage at the end of the newest segment, cut as a torn tail.
        let damaged = TemporaryDirectory()
        damaged.write(SegmentName.fileName(1), segment + removalBytes)
        let (storage, recovered) = try Storage.openForTest(damaged.configuration())
        #expect(recovered.map.sortedEntries() == [written])
        #expect(
            recovered.report.contains { $0.contains("a removal record in a format-1 segment") },
            "\(recovered.report)")
        try storage.close()
    }

    @Test("a segment of a newer format is refused as newer, not cut as damage")
    func newerFormatRefused() {
        var header = SegmentHeader(sequence: 1, version: SegmentHeader.currentVersion + 1).encoded
        header += [0, 0, 0, 1]
        #expect(SegmentHeader.parse(header[...]) == .unsupported(version: SegmentHeader.currentVersion + 1))
        let directory = TemporaryDirectory()
        directory.write(SegmentName.fileName(1), header)
        #expect(throws: StorageError.self) {
            try Storage.openForTest(directory.configuration(repair: true))
        }
    }
}
