import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVStorage
import Prometheus
import Testing

/// Nodes with a data directory: what survives a restart, the lock, and writes made offline.
@Suite("nodes with a data directory", .serialized)
struct NodeStorageTests {
    typealias Loopback = NodeLoopbackTests

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "gkv-node-storage-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            ).path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    static func configuration(
        _ name: String, identity: NodeIdentity, directory: String, fsync: FsyncPolicy = .batch,
        seeds: [Int] = []
    ) throws -> NodeConfiguration {
        var configuration = try Loopback.configuration(name, seeds: seeds, identity: identity)
        var storage = StorageConfiguration(directory: directory)
        storage.fsync = fsync
        configuration.storage = storage
        return configuration
    }

    /// Starts a node on a directory a storage of this very process held a moment ago (dropped
    /// to stand for a crash, or left by a refused start): its lock goes with its last reference,
    /// which a timer callback on its fsync queue may hold a little longer on a loaded machine.
    /// Waits up to 5 s for that release; any other failure is thrown at once.
    static func startOnReleasedDirectory(_ configuration: NodeConfiguration) async throws -> Node {
        var attempts = 0
        while true {
            do {
                return try await Node(configuration, logger: Loopback.quietLogger)
            } catch let error as NodeStartError {
                guard case .storage(_, .locked(_, let holder)) = error, holder == getpid(), attempts < 50
                else {
                    throw error
                }
                attempts += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The same key pair and certificate, as a later run loads them from disk.
    static func reloaded(_ identity: NodeIdentity) -> NodeIdentity {
        var identity = identity
        identity.isPersistent = true
        return identity
    }

    @Test(
        "a clean restart from the data directory keeps every key, the origin and the exact watermarks, and starts the clock above the ceiling"
    )
    func restartKeepsEverything() async throws {
        let directory = Self.temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "r", now: Loopback.now())
        let first = try await Node(
            Self.configuration("r", identity: identity, directory: directory, fsync: .always),
            logger: Loopback.quietLogger)
        var before: NodeStatus?
        var ceiling: HLCTimestamp?
        var values: [String: String] = [:]
        try await Loopback.withRunning([first]) {
            #expect(
                await first.status().dataEpoch == 0, "a new identity in a new directory writes as its node id"
            )
            for index in 0..<300 {
                try await first.put("key-\(index)", "value-\(index)")
                values["key-\(index)"] = "value-\(index)"
            }
            for index in stride(from: 0, to: 300, by: 7) {
                try await first.delete("key-\(index)")
                values["key-\(index)"] = nil
            }
            try await first.put("key-1", "rewritten")
            values["key-1"] = "rewritten"
            // Let a tick log the watermarks of the last writes.
            try await Task.sleep(for: .milliseconds(50))
            before = await first.status()
            ceiling = await first.persistedClockCeiling()
        }
        let status = try #require(before)
        let persistedCeiling = try #require(ceiling)
        #expect(persistedCeiling > status.hlc, "the ceiling covers every issued timestamp")
        #expect(status.digest[identity.nodeID] > .zero, "the own watermark was logged")

        let second = try await Node(
            Self.configuration("r", identity: Self.reloaded(identity), directory: directory),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([second]) {
            let after = await second.status()
            #expect(after.entries == status.entries)
            #expect(after.stateHash == status.stateHash)
            // Every watermark comes back as the clean close logged it: the own one is exactly the
            // last own write, never raised to the ceiling (which would claim writes never made,
            // and after a loss writes it no longer holds).
            #expect(after.digest == status.digest)
            #expect(after.digest[identity.nodeID] < persistedCeiling)
            #expect(after.dataEpoch == 0, "a clean restart keeps the data epoch")
            #expect(after.origin == identity.nodeID)
            for (key, value) in values { #expect(await second.get(key) == value, "\(key)") }
            #expect(await second.liveKeys().count == values.count)
            // A clean close records the clock's exact last value: the next run resumes above it
            // (above every timestamp the first run issued or merged), not at the ceiling, which
            // ran about a second and a half ahead of the wall clock (peers would refuse that as
            // clock poisoning, and every quick restart pushed it further).
            #expect(after.hlc >= status.hlc)
            let written = try await second.put("after", "restart")
            #expect(written.timestamp > status.hlc)
            #expect(try #require(await second.persistedClockCeiling()) > written.timestamp)
        }
    }

    @Test("a second node on the same data directory is refused with a message naming the directory")
    func lockRefusesSecondNode() async throws {
        let directory = Self.temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "l", now: Loopback.now())
        let first = try await Node(
            Self.configuration("l", identity: identity, directory: directory), logger: Loopback.quietLogger)
        try await Loopback.withRunning([first]) {
            try await first.put("k", "v")
            let other = try NodeIdentity.open(name: "l2", now: Loopback.now())
            do {
                _ = try await Node(
                    Self.configuration("l2", identity: other, directory: directory),
                    logger: Loopback.quietLogger)
                Issue.record("a second node opened a locked data directory")
            } catch let error as NodeStartError {
                #expect(error.description.contains(directory))
                #expect(error.description.contains("in use"))
                #expect(!error.description.contains("--repair"), "a held lock is not damage: \(error)")
            }
        }
        // Released at shutdown: the next run opens it.
        let again = try await Node(
            Self.configuration("l", identity: Self.reloaded(identity), directory: directory),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([again]) {
            #expect(await again.get("k") == "v")
        }
    }

    @Test(
        "a persistent identity in memory, or with a new data directory, writes under a new data epoch; a clean restart keeps it"
    )
    func newEpochWithoutData() async throws {
        let identity = Self.reloaded(try NodeIdentity.open(name: "p", now: Loopback.now()))
        let started = Loopback.now()
        var epochs: Set<UInt64> = []
        for _ in 0..<2 {
            let memory = try await Node(
                Loopback.configuration("p", identity: identity), logger: Loopback.quietLogger)
            try await Loopback.withRunning([memory]) {
                let status = await memory.status()
                #expect(status.dataEpoch != 0, "no disk keeps the epoch: a random one each start")
                #expect(status.origin == NodeID.origin(node: identity.nodeID, epoch: status.dataEpoch))
                let written = try await memory.put("k", "v")
                #expect(written.origin == status.origin)
                #expect(
                    await memory.status().digest[identity.nodeID] == .zero, "no claim about its old writes")
                // It waits out the max clock offset (500 ms) before its first write.
                #expect(written.timestamp.physical >= started + 500)
                epochs.insert(status.dataEpoch)
            }
        }
        #expect(epochs.count == 2, "each in-memory start takes its own epoch")
        let directory = Self.temporaryDirectory("history")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fresh = try await Node(
            Self.configuration("p", identity: identity, directory: directory), logger: Loopback.quietLogger)
        var epoch: UInt64 = 0
        try await Loopback.withRunning([fresh]) {
            epoch = await fresh.status().dataEpoch
            #expect(epoch != 0, "a new data directory under an old id may have lost writes")
            #expect(!epochs.contains(epoch))
            try await fresh.put("k", "v")
        }
        let again = try await Node(
            Self.configuration("p", identity: identity, directory: directory), logger: Loopback.quietLogger)
        try await Loopback.withRunning([again]) {
            #expect(
                await again.status().dataEpoch == epoch, "the epoch is persisted; a clean restart keeps it")
        }
    }

    @Test(
        "writes made apart (one node restarted from its data directory meanwhile) converge by LWW once joined"
    )
    func offlineWritesConverge() async throws {
        let directoryA = Self.temporaryDirectory("offline-a")
        let directoryB = Self.temporaryDirectory("offline-b")
        defer {
            try? FileManager.default.removeItem(atPath: directoryA)
            try? FileManager.default.removeItem(atPath: directoryB)
        }
        let identityA = try NodeIdentity.open(name: "a", now: Loopback.now())
        let identityB = try NodeIdentity.open(name: "b", now: Loopback.now())
        var written: [Entry] = []
        let a = try await Node(
            Self.configuration("a", identity: identityA, directory: directoryA), logger: Loopback.quietLogger)
        let taskA = Task { try await a.run() }
        defer { taskA.cancel() }
        let b = try await Node(
            Self.configuration("b", identity: identityB, directory: directoryB), logger: Loopback.quietLogger)
        try await Loopback.withRunning([b]) {
            for index in 0..<20 { written.append(try await a.put("k\(index)", "a\(index)")) }
            for index in 10..<30 { written.append(try await b.put("k\(index)", "b\(index)")) }
            written.append(try await b.delete("k12"))
        }
        // b restarts from its data directory, writes some more alone, then joins a.
        let restarted = try await Node(
            Self.configuration(
                "b", identity: Self.reloaded(identityB), directory: directoryB, seeds: [a.gossipPort]),
            logger: Loopback.quietLogger)
        #expect(await restarted.get("k25") == "b25")
        for index in 15..<18 { written.append(try await restarted.put("k\(index)", "b-again\(index)")) }
        for index in 16..<19 { written.append(try await a.put("k\(index)", "a-again\(index)")) }

        var expected: [String: Entry] = [:]
        for entry in written {
            let key = String(decoding: entry.key, as: UTF8.self)
            if let held = expected[key], !entry.wins(over: held) { continue }
            expected[key] = entry
        }
        try await Loopback.withRunning([restarted]) {
            #expect(await Loopback.eventually { await a.status().stateHash == restarted.status().stateHash })
            for (key, entry) in expected {
                let value = entry.value.map { String(decoding: $0, as: UTF8.self) }
                #expect(await a.get(key) == value, "\(key) on a")
                #expect(await restarted.get(key) == value, "\(key) on b")
            }
        }
        await a.shutdown()
        _ = await taskA.result
    }

    @Test("the log's appends, bytes, fsyncs, durable waits and the directory's size reach the metrics")
    func storageMetrics() async throws {
        let directory = Self.temporaryDirectory("metrics")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "m", now: Loopback.now())
        var configuration = try Self.configuration(
            "m", identity: identity, directory: directory, fsync: .always)
        let registry = PrometheusCollectorRegistry()
        configuration.metricsFactory = PrometheusMetricsFactory(registry: registry)
        let node = try await Node(configuration, logger: Loopback.quietLogger)
        try await Loopback.withRunning([node]) {
            for index in 0..<20 { try await node.put("k\(index)", "v\(index)") }
            await node.recordGauges()
            let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
            func value(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + "{") }
                    .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            #expect(try #require(value("gossipkv_wal_appends_total")) >= 20)
            #expect(try #require(value("gossipkv_wal_bytes_total")) > 20 * 4)
            #expect(try #require(value("gossipkv_wal_fsyncs_total")) >= 1)
            #expect(try #require(value("gossipkv_wal_durable_waits_total")) >= 1)
            #expect(try #require(value("gossipkv_storage_bytes")) > 0)
            #expect(text.contains("gossipkv_wal_fsync_wait_seconds"))
        }
    }

    @Test(
        "damage the recovery cannot cut stops the node with the directory and --repair in the message; --repair starts it"
    )
    func damageNeedsRepair() async throws {
        let directory = Self.temporaryDirectory("damage")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "d", now: Loopback.now())
        let first = try await Node(
            Self.configuration("d", identity: identity, directory: directory), logger: Loopback.quietLogger)
        try await Loopback.withRunning([first]) {
            for index in 0..<50 { try await first.put("k\(index)", "v\(index)") }
        }
        // The graceful stop wrote a snapshot; flip a byte in its middle.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let snapshot = try #require(names.first { $0.hasSuffix(".snap") }, "\(names)")
        let path = directory + "/" + snapshot
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        do {
            _ = try await Node(
                Self.configuration("d", identity: Self.reloaded(identity), directory: directory),
                logger: Loopback.quietLogger)
            Issue.record("a node started on a damaged snapshot without --repair")
        } catch let error as NodeStartError {
            #expect(error.description.contains(directory))
            #expect(error.description.contains("--repair"))
        }
        var repairing = try Self.configuration("d", identity: Self.reloaded(identity), directory: directory)
        repairing.storage?.repair = true
        let repaired = try await Self.startOnReleasedDirectory(repairing)
        try await Loopback.withRunning([repaired]) {
            try await repaired.put("after", "repair")
            #expect(await repaired.get("after") == "repair")
        }
    }
}
