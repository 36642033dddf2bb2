import Foundation
import GossipKVCore
import TestSupport
import Testing

@testable import GossipKVStorage

@Suite("directory lock and durability", .ownThreads)
struct LockAndDurabilityTests {
    @Test("a second open of the same directory is refused, naming the holder's pid")
    func secondOpenRefused() throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration())
        #expect(throws: StorageError.locked(directory: directory.path, holderPID: getpid())) {
            try Storage.open(directory.configuration())
        }
        try storage.close()
        let (again, _) = try Storage.openForTest(directory.configuration())
        try again.close()
    }

    @Test("another process cannot take the lock while a node holds it")
    func otherProcess() throws {
        let directory = TemporaryDirectory()
        func otherProcessLocks() throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            process.arguments = ["--nonblock", "--conflict-exit-code", "99", directory.file("LOCK"), "true"]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        let (storage, _) = try Storage.openForTest(directory.configuration())
        #expect(try otherProcessLocks() == 99)
        try storage.close()
        #expect(try otherProcessLocks() == 0)
    }

    @Test("fsync=always: many concurrent writers are all acknowledged, sharing fsyncs")
    func groupCommit() async throws {
        let directory = TemporaryDirectory()
        let (storage, _) = try Storage.openForTest(directory.configuration(fsync: .always))
        storage.simulateSlowFsync(microseconds: 5_000)
        let writers = 200
        let before = storage.statistics.fsyncs
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<writers {
                group.addTask {
                    try storage.append(StorageTestData.sample(index))
                    try await storage.waitUntilDurable()
                }
            }
            try await group.waitForAll()
        }
        let statistics = storage.statistics
        let fsyncs = statistics.fsyncs - before
        #expect(statistics.appendedRecords == writers)
        #expect(fsyncs >= 1)
        #expect(
            fsyncs < statistics.durableWaits,
            "\(fsyncs) fsyncs for \(statistics.durableWaits) waiting writers")
        // Nothing is left waiting, and with nothing new appended a wait returns at once.
        try await storage.waitUntilDurable()
        #expect(storage.statistics.fsyncs - before == fsyncs)
        try storage.close()
        let (reopened, recovered) = try Storage.openForTest(directory.configuration())
        #expect(recovered.map.count == writers)
        try reopened.close()
    }

    @Test("batch: the timer fsyncs appended records without anyone waiting")
    func batchTimer() async throws {
        let directory = TemporaryDirectory()
        var configuration = directory.configuration(fsync: .batch)
        configuration.batchIntervalMilliseconds = 5
        let (storage, _) = try Storage.openForTest(configuration)
        try storage.append(StorageTestData.sample(1))
        var waited = 0
        while storage.statistics.fsyncs == 0 && waited < 400 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 1
        }
        #expect(storage.statistics.fsyncs >= 1)
        try await storage.waitUntilDurable()
        try storage.close()
    }

    @Test("appends after close are refused; the log rolls past segmentBytes; a snapshot becomes due")
    func lifecycle() throws {
        let directory = TemporaryDirectory()
        var configuration = directory.configuration()
        configuration.segmentBytes = 200
        configuration.snapshotAfterLogBytes = 500
        let (storage, _) = try Storage.openForTest(configuration)
        #expect(!storage.isSnapshotDue)
        for index in 0..<20 { try storage.append(StorageTestData.sample(index)) }
        #expect(storage.isSnapshotDue)
        #expect(storage.statistics.currentSegment > 3)
        try storage.close()
        #expect(throws: StorageError.closed) { try storage.append(StorageTestData.sample(0)) }
        var reopened = configuration
        reopened.segmentBytes = 1 << 20
        let (again, recovered) = try Storage.openForTest(reopened)
        #expect(recovered.map.count == 20)
        #expect(again.isSnapshotDue, "the log bytes not covered by a snapshot count after a restart")
        try again.close()
    }

    @Test("an entry over the limits is refused before anything is written")
    func oversized() throws {
        let directory = TemporaryDirectory()
        var limits = Limits()
        limits.maxValueBytes = 8
        let (storage, _) = try Storage.openForTest(directory.configuration(), limits: limits)
        let big = Entry(
            key: [1], value: Array(repeating: 0, count: 9), timestamp: HLCTimestamp(rawValue: 1),
            origin: StorageTestData.origins[0])
        #expect(throws: StorageError.encoding(.valueTooLarge(size: 9, limit: 8))) { try storage.append(big) }
        #expect(storage.statistics.appendedRecords == 0)
        try storage.close()
    }
}
