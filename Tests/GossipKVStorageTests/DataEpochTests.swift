import Foundation
import GossipKVCore
import Testing

@testable import GossipKVStorage

/// The `EPOCH` file: the data epoch, the unclean-shutdown marker, and the losses recovery reports
/// so that the node starts a new epoch.
@Suite("data epochs and the running marker")
struct DataEpochTests {
    static func record(in directory: TemporaryDirectory) throws -> DataEpochFile.Record {
        try DataEpochFile.decode(directory.read(DataEpochFile.fileName)[...])
    }

    @Test("a new directory is fresh at epoch 0 and marked running before anything is appended")
    func freshDirectoryIsMarkedRunning() throws {
        let directory = TemporaryDirectory()
        let (storage, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.isFresh)
        #expect(recovered.dataEpoch == 0)
        #expect(!recovered.mayHaveLostData, "nothing was there to lose")
        #expect(try Self.record(in: directory) == DataEpochFile.Record(epoch: 0, running: true))
        try storage.close()
    }

    @Test(
        "beginEpoch persists the epoch before it returns; a clean close clears the marker and a reopen keeps the epoch"
    )
    func epochPersistsAcrossCleanRestart() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.beginEpoch(0xABCD)
        #expect(try Self.record(in: directory) == DataEpochFile.Record(epoch: 0xABCD, running: true))
        #expect(storage.statistics.epochFileWrites == 2)
        try storage.append(StorageTestData.sample(1))
        try storage.close()
        #expect(try Self.record(in: directory) == DataEpochFile.Record(epoch: 0xABCD, running: false))

        let (again, recovered) = try Storage.openForTest(directory.configuration())
        #expect(!recovered.isFresh)
        #expect(recovered.dataEpoch == 0xABCD)
        #expect(recovered.possibleLosses.isEmpty, "\(recovered.possibleLosses)")
        #expect(again.dataEpoch == 0xABCD)
        try again.close()
        #expect(try Self.record(in: directory) == DataEpochFile.Record(epoch: 0xABCD, running: false))
    }

    @Test("a storage dropped without close leaves the marker set: the next open reports an unclean shutdown")
    func droppedStorageIsUnclean() throws {
        let directory = TemporaryDirectory()
        do {
            let (storage, _) = try Storage.openForTest(directory.configuration())
            try storage.beginEpoch(7)
            try storage.append(StorageTestData.sample(1))
        }  // no close: a crash (the lock goes with the descriptor)
        let (storage, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.possibleLosses == [.uncleanShutdown])
        #expect(recovered.dataEpoch == 7)
        #expect(recovered.map.count == 1, "the record itself survived; only what was unsynced may not have")
        // Until a new epoch is named, even a clean close keeps the directory marked.
        try storage.close()
        #expect(try Self.record(in: directory).running)
        let (third, again) = try Storage.openForTest(directory.configuration())
        #expect(again.possibleLosses == [.uncleanShutdown])
        try third.beginEpoch(8)
        try third.close()
        let (fourth, clean) = try Storage.openForTest(directory.configuration())
        #expect(clean.possibleLosses.isEmpty)
        #expect(clean.dataEpoch == 8)
        try fourth.close()
    }

    @Test("a new directory closed without naming an epoch stays marked running")
    func freshWithoutEpochStaysMarked() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.close()
        #expect(try Self.record(in: directory).running)
        let (again, recovered) = try Storage.openForTest(directory.configuration())
        #expect(!recovered.isFresh)
        #expect(recovered.possibleLosses == [.uncleanShutdown])
        try again.close()
    }

    @Test("a torn tail cut by recovery is reported as a possible loss, with its segment and offset")
    func tornTailIsReported() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.beginEpoch(3)
        for index in 0..<5 { try storage.append(StorageTestData.sample(index)) }
        try storage.close()
        let segment = try #require(directory.names.first { $0.hasSuffix(".wal") })
        let bytes = directory.read(segment)
        directory.write(segment, Array(bytes.dropLast(3)))

        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.map.count == 4)
        guard case .tornTail(let name, let offset)? = recovered.possibleLosses.first,
            recovered.possibleLosses.count == 1
        else {
            Issue.record("expected one torn-tail loss, got \(recovered.possibleLosses)")
            return
        }
        #expect(name == segment)
        #expect(offset < bytes.count - 3)
        #expect(recovered.mayHaveLostData)
        #expect(recovered.dataEpoch == 3, "the storage reports; the node picks the new epoch")
        try reopened.close()
    }

    @Test("a repair cut is reported as a possible loss")
    func repairCutIsReported() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.beginEpoch(3)
        for index in 0..<5 { try storage.append(StorageTestData.sample(index)) }
        try storage.close()
        let segment = try #require(directory.names.first { $0.hasSuffix(".wal") })
        var bytes = directory.read(segment)
        bytes[SegmentHeader.size + 10] ^= 0xFF  // inside the first record: valid ones follow
        directory.write(segment, bytes)

        #expect(throws: StorageError.self) { try Storage.openForTest(directory.configuration()) }
        let (repaired, recovered) = try Storage.openForTest(directory.configuration(repair: true))
        #expect(
            recovered.possibleLosses.contains {
                if case .repairCut = $0 { return true } else { return false }
            })
        try repaired.close()
    }

    @Test(
        "a directory with data but no epoch file (an older version's) reports that its last close is unknown")
    func missingEpochFileIsReported() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.beginEpoch(0)
        try storage.append(StorageTestData.sample(1))
        try storage.close()
        try FileManager.default.removeItem(atPath: directory.file(DataEpochFile.fileName))
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(!recovered.isFresh)
        #expect(recovered.possibleLosses == [.noEpochRecord])
        try reopened.close()
    }

    @Test("a damaged epoch file is a possible loss; a newer format version refuses to start")
    func damagedEpochFile() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        try storage.beginEpoch(9)
        try storage.close()
        var bytes = directory.read(DataEpochFile.fileName)
        bytes[12] ^= 0x01
        directory.write(DataEpochFile.fileName, bytes)
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(
            recovered.possibleLosses == [
                .unreadableEpochRecord(DataEpochFile.DecodeError.checksumMismatch.description)
            ])
        try reopened.close()

        var newer = DataEpochFile.encode(DataEpochFile.Record(epoch: 1, running: false))
        newer[5] = 2
        directory.write(DataEpochFile.fileName, newer)
        #expect(throws: StorageError.unsupportedFormat(file: "EPOCH", reason: "epoch file format version 2"))
        {
            try Storage.openForTest(directory.configuration())
        }
    }

    @Test(
        "the epoch file decoder answers every cut, flipped or padded input with a typed error, never a trap")
    func decoderIsTotal() {
        let valid = DataEpochFile.encode(DataEpochFile.Record(epoch: 0x0102_0304_0506_0708, running: true))
        #expect(valid.count == DataEpochFile.size)
        #expect(throws: Never.self) { try DataEpochFile.decode(valid[...]) }
        for length in 0..<valid.count {
            #expect(throws: DataEpochFile.DecodeError.wrongSize(length)) {
                try DataEpochFile.decode(valid[..<length])
            }
        }
        #expect(throws: DataEpochFile.DecodeError.wrongSize(21)) {
            try DataEpochFile.decode((valid + [0])[...])
        }
        for index in valid.indices {
            for bit in 0..<8 {
                var flipped = valid
                flipped[index] ^= 1 << bit
                #expect(throws: DataEpochFile.DecodeError.self) { try DataEpochFile.decode(flipped[...]) }
            }
        }
        // A slice that does not start at index 0 decodes the same.
        let padded = [0xEE] + valid
        #expect(
            (try? DataEpochFile.decode(padded[1...]))
                == DataEpochFile.Record(epoch: 0x0102_0304_0506_0708, running: true))
    }

    @Test("a durable clock ceiling is fsynced before the append returns, even under fsync never")
    func durableCeilingIsFsynced() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration(fsync: .never))
        try storage.beginEpoch(0)
        try storage.append(StorageTestData.sample(1))
        #expect(storage.statistics.fsyncs == 0, "fsync never: plain appends are not synced")
        let ceiling = HLCTimestamp(physical: 123_456)
        try storage.appendClockCeilingDurably(ceiling)
        #expect(storage.statistics.fsyncs == 1)
        #expect(storage.statistics.durableClockCeiling == ceiling)
        try storage.appendClockCeiling(HLCTimestamp(physical: 999_999))
        #expect(storage.statistics.durableClockCeiling == ceiling, "a plain append does not count as durable")
        try storage.close()
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.clockCeiling == HLCTimestamp(physical: 999_999))
        try reopened.close()
    }
}
