import Foundation
import GossipKVCore
import GossipKVNode
import GossipKVStorage
import Testing

/// Garbage collection and the data directory: a collected entry's removal is logged, so a
/// restart after a crash does not bring it back.
@Suite("collected entries across a crash", .serialized)
struct NodeCollectionRestartTests {
    typealias Loopback = NodeLoopbackTests
    typealias Support = NodeStorageTests

    /// Copies a running node's data directory: what a `kill -9` at this moment leaves (every
    /// `write(2)` done is in the files; the directory is not closed).
    static func crashImage(of directory: String) throws -> String {
        let copy = Support.temporaryDirectory("crash-image")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "LOCK" {
            try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: copy + "/" + name)
        }
        return copy
    }

    @Test("a tombstone garbage collection dropped stays gone when the node restarts after a crash")
    func collectedTombstoneStaysGone() async throws {
        let directory = Support.temporaryDirectory("collected")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "c", now: Loopback.now())
        var configuration = try Support.configuration(
            "c", identity: identity, directory: directory, fsync: .always)
        // Alone, a node collects a tombstone once it is dead for the grace period (its own
        // durable digest is the only one that must cover it).
        configuration.gossip.tombstoneGracePeriodMilliseconds = 200
        configuration.gossip.collectionIntervalMilliseconds = 50
        let gone = Array("gone".utf8)
        var image: String?
        let node = try await Node(configuration, logger: Loopback.quietLogger)
        try await Loopback.withRunning([node]) {
            try await node.put("kept", "value")
            try await node.put("gone", "value")
            try await node.delete("gone")
            #expect(await node.entry(gone)?.isTombstone == true)
            let collected = await Loopback.eventually(within: 30) { await node.entry(gone) == nil }
            try #require(collected, "the tombstone was never collected")
            image = try Self.crashImage(of: directory)
        }
        let crashed = try #require(image)
        defer { try? FileManager.default.removeItem(atPath: crashed) }

        var restartConfiguration = configuration
        restartConfiguration.identity = Support.reloaded(identity)
        restartConfiguration.storage?.directory = crashed
        let restarted = try await Node(restartConfiguration, logger: Loopback.quietLogger)
        try await Loopback.withRunning([restarted]) {
            #expect(await restarted.entry(gone) == nil, "the collected tombstone came back from the log")
            #expect(await restarted.get("kept") == "value")
        }
    }
}
