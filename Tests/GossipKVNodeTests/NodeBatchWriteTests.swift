import Foundation
import GossipKVCore
import GossipKVRESP
import Testing

@testable import GossipKVNode

/// `Node.perform`: a pipelined run of plain GETs and SETs in one actor turn, its writes logged
/// together (one `write(2)`).
@Suite("a pipelined batch on a node with a data directory", .serialized)
struct NodeBatchWriteTests {
    typealias Loopback = NodeLoopbackTests

    @Test("a batch's GETs see its earlier SETs in order, and every SET of it survives a restart")
    func batchIsVisibleAndLogged() async throws {
        let directory = NodeStorageTests.temporaryDirectory("batch")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try NodeIdentity.open(name: "b", now: Loopback.now())
        let first = try await Node(
            NodeStorageTests.configuration("b", identity: identity, directory: directory, fsync: .always),
            logger: Loopback.quietLogger)
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        try await Loopback.withRunning([first]) {
            let results = await first.perform([
                .get(key: bytes("a")), .put(key: bytes("a"), value: bytes("1")), .get(key: bytes("a")),
                .put(key: bytes("b"), value: bytes("2")), .put(key: bytes("a"), value: bytes("3")),
                .get(key: bytes("a")),
            ])
            #expect(
                results == [
                    .value(nil), .written, .value(bytes("1")), .written, .written, .value(bytes("3")),
                ])
        }
        let second = try await Node(
            NodeStorageTests.configuration(
                "b", identity: NodeStorageTests.reloaded(identity), directory: directory),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([second]) {
            #expect(await second.get("a") == "3")
            #expect(await second.get("b") == "2")
        }
    }
}
