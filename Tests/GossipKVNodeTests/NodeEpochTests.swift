import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVStorage
import Testing

/// Data epochs: after any possible loss a node writes as a new origin, so no claim of its own
/// (a watermark) ever covers a write it lost, and peers keep and give back what it lost.
@Suite("data epochs of a node", .serialized)
struct NodeEpochTests {
    typealias Loopback = NodeLoopbackTests
    typealias Support = NodeStorageTests

    static func entry(_ key: String, _ value: String, at physical: UInt64, origin: NodeID) -> Entry {
        Entry(
            key: Array(key.utf8), value: Array(value.utf8), timestamp: HLCTimestamp(physical: physical),
            origin: origin)
    }

    /// A data directory written as a node that closed cleanly under epoch 0.
    static func writeDirectory(_ directory: String, _ records: [LogRecord]) throws {
        let (storage, _) = try Storage.open(StorageConfiguration(directory: directory))
        try storage.beginEpoch(0)
        for record in records { try storage.append(record: record) }
        try storage.close()
    }

    @Test(
        "a WAL cut before a record a peer holds: the node restarts under a new origin, gets the record back, and the peer keeps it"
    )
    func cutLogComesBackFromPeer() async throws {
        let directoryA = Support.temporaryDirectory("cut-a")
        let directoryB = Support.temporaryDirectory("cut-b")
        defer {
            try? FileManager.default.removeItem(atPath: directoryA)
            try? FileManager.default.removeItem(atPath: directoryB)
        }
        let identityA = Support.reloaded(try NodeIdentity.open(name: "a", now: Loopback.now()))
        let identityB = Support.reloaded(try NodeIdentity.open(name: "b", now: Loopback.now()))
        let base = Loopback.now() - 20_000
        let (w1, w2, w3) = (
            Self.entry("w1", "v1", at: base + 1, origin: identityA.nodeID),
            Self.entry("w2", "v2", at: base + 2, origin: identityA.nodeID),
            Self.entry("w3", "v3", at: base + 3, origin: identityA.nodeID)
        )
        // a logged w1, w2, their watermark and a ceiling well above w3, then w3 and its
        // watermark; then a crash tore the log inside w3's record.
        try Self.writeDirectory(
            directoryA,
            [
                .entry(w1), .entry(w2), .watermarks(Digest([identityA.nodeID: w2.timestamp])),
                .clockCeiling(HLCTimestamp(physical: base + 5_000)),
            ])
        // The reopen appends to a new segment, holding only its header so far.
        let (storage, _) = try Storage.open(StorageConfiguration(directory: directoryA))
        let newest = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directoryA).filter { $0.hasSuffix(".wal") }
                .max())
        let newestPath = directoryA + "/" + newest
        let headerSize = try #require(
            try FileManager.default.attributesOfItem(atPath: newestPath)[.size] as? Int)
        try storage.append(w3)
        try storage.appendWatermarks(Digest([identityA.nodeID: w3.timestamp]))
        try storage.close()
        let handle = try #require(FileHandle(forWritingAtPath: newestPath))
        try handle.truncate(atOffset: UInt64(headerSize + 5))
        try handle.close()
        // b holds all three (it got them before the crash).
        try Self.writeDirectory(
            directoryB,
            [.entry(w1), .entry(w2), .entry(w3), .watermarks(Digest([identityA.nodeID: w3.timestamp]))])

        let b = try await Node(
            Support.configuration("b", identity: identityB, directory: directoryB),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([b]) {
            let a = try await Node(
                Support.configuration("a", identity: identityA, directory: directoryA, seeds: [b.gossipPort]),
                logger: Loopback.quietLogger)
            let restored = await a.status()
            #expect(restored.dataEpoch != 0, "recovery cut a torn tail: a new epoch")
            #expect(restored.origin != identityA.nodeID)
            #expect(await a.get("w3") == nil, "the cut record is gone from a")
            #expect(
                restored.digest[identityA.nodeID] == w2.timestamp,
                "a claims what it logged before the cut, not the ceiling")
            try await Loopback.withRunning([a]) {
                let written = try await a.put("after", "cut")
                #expect(written.origin == restored.origin)
                #expect(await Loopback.eventually { await a.status().stateHash == b.status().stateHash })
                #expect(await a.get("w3") == "v3", "a got the cut record back")
                #expect(await b.get("w3") == "v3", "b kept it")
                #expect(await b.get("after") == "cut")
                #expect(
                    await Loopback.eventually { await a.status().digest[identityA.nodeID] == w3.timestamp })
            }
        }
    }

    @Test(
        "a wiped data directory, restarted and wiped again, never claims its old writes; its peer gives them back"
    )
    func wipedDirectoryNeverClaimsOldWrites() async throws {
        let directory = Support.temporaryDirectory("wiped")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "w", now: Loopback.now())
        let b = try await Node(Loopback.configuration("b"), logger: Loopback.quietLogger)
        let taskB = Task { try await b.run() }
        defer { taskB.cancel() }
        var last = HLCTimestamp.zero
        let first = try await Node(
            Support.configuration("w", identity: identity, directory: directory, seeds: [b.gossipPort]),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([first]) {
            #expect(await first.status().dataEpoch == 0)
            for index in 0..<3 { last = try await first.put("w\(index)", "v\(index)").timestamp }
            #expect(await Loopback.eventually { await b.status().digest[identity.nodeID] == last })
        }
        let persistent = Support.reloaded(identity)
        var oldOrigins: [NodeID] = [identity.nodeID]
        for wipe in 0..<2 {
            try FileManager.default.removeItem(atPath: directory)
            var epoch: UInt64 = 0
            // Restarted twice on the wiped directory, alone: it never claims an old origin's writes.
            for restart in 0..<2 {
                let node = try await Node(
                    Support.configuration("w", identity: persistent, directory: directory),
                    logger: Loopback.quietLogger)
                try await Loopback.withRunning([node]) {
                    let status = await node.status()
                    if restart == 0 {
                        epoch = status.dataEpoch
                        #expect(epoch != 0)
                        #expect(!oldOrigins.contains(status.origin), "wipe \(wipe): a new origin")
                    } else {
                        #expect(status.dataEpoch == epoch, "a clean restart keeps the epoch")
                    }
                    for origin in oldOrigins {
                        #expect(
                            status.digest[origin] == .zero,
                            "wipe \(wipe), restart \(restart): claims \(origin)")
                    }
                    #expect(await node.get("w0") == nil)
                    try await node.put("x\(wipe)-\(restart)", "local")
                }
            }
            oldOrigins.append(NodeID.origin(node: identity.nodeID, epoch: epoch))
        }
        // Back with its peer: the old writes come back, and the claim with them.
        let joined = try await Node(
            Support.configuration("w", identity: persistent, directory: directory, seeds: [b.gossipPort]),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([joined]) {
            #expect(await Loopback.eventually { await joined.status().digest[identity.nodeID] == last })
            for index in 0..<3 { #expect(await joined.get("w\(index)") == "v\(index)") }
            #expect(await b.get("w2") == "v2")
        }
        await b.shutdown()
        _ = await taskB.result
    }

    @Test("a directory its last run did not close comes back under a new epoch, with what it logged")
    func uncleanShutdownStartsNewEpoch() async throws {
        let directory = Support.temporaryDirectory("unclean")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = Support.reloaded(try NodeIdentity.open(name: "u", now: Loopback.now()))
        let written = Self.entry("k", "v", at: Loopback.now() - 10_000, origin: identity.nodeID)
        do {
            let (storage, _) = try Storage.open(StorageConfiguration(directory: directory))
            try storage.beginEpoch(0)
            try storage.append(written)
            try storage.appendWatermarks(Digest([identity.nodeID: written.timestamp]))
        }  // dropped without close: a crash
        let node = try await Support.startOnReleasedDirectory(
            Support.configuration("u", identity: identity, directory: directory))
        try await Loopback.withRunning([node]) {
            let status = await node.status()
            #expect(status.dataEpoch != 0)
            #expect(
                status.digest[identity.nodeID] == written.timestamp, "the old origin's claim is as logged")
            #expect(await node.get("k") == "v")
            let next = try await node.put("k2", "v2")
            #expect(next.origin == status.origin)
        }
    }

    @Test("the clock ceiling is fsynced before the clock passes the previous one, even with fsync never")
    func ceilingIsDurableBeforeUse() async throws {
        let directory = Support.temporaryDirectory("ceiling")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "c", now: Loopback.now())
        let node = try await Node(
            Support.configuration("c", identity: identity, directory: directory, fsync: .never),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([node]) {
            let initial = try #require(await node.durableClockCeiling())
            #expect(initial > .zero, "the start logged a durable ceiling before any write")
            #expect(await node.persistedClockCeiling() == initial)
            let deadline = Loopback.now() + 2_500
            var index = 0
            while Loopback.now() < deadline {
                let entry = try await node.put("k\(index % 10)", "v\(index)")
                let durable = try #require(await node.durableClockCeiling())
                #expect(entry.timestamp < durable, "a timestamp above the durable ceiling")
                #expect(await node.persistedClockCeiling() == durable, "the node uses only a durable ceiling")
                index += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(
                try #require(await node.durableClockCeiling()) > initial, "the ceiling was renewed, durably")
        }
    }
}
