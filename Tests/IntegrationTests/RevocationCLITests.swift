import Foundation
import TestSupport
import Testing

/// `gossipkv cert revoke` and `gossipkv node --revocations FILE` as an operator uses them: two
/// nodes of a key-file cluster, then the second revoked while both run.
@Suite(
    "revoking a node with the CLI", .ownThreads, .serialized,
    .enabled(if: LocalClusterTests.isAvailable, "needs redis-cli and the built gossipkv binary"))
struct RevocationCLITests {
    /// Runs `gossipkv` to completion; returns its status and output.
    static func gossipkv(_ arguments: [String]) async -> (status: Int32, output: String) {
        let binary = LabCluster.binary ?? ""
        return await offPool { RedisPy.run(binary, arguments) }
    }

    static func redis(_ port: Int, _ arguments: String...) async -> String {
        await offPool { LocalClusterTests.redis(port, arguments) }
    }

    final class NodeProcess: @unchecked Sendable {
        let process = Process()
        let log: URL

        init(_ arguments: [String], log: URL) throws {
            self.log = log
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: LabCluster.binary ?? "")
            process.arguments = ["node"] + arguments
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        func stop() async { await offPool { self.stopNow() } }

        func stopNow() {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    @Test(
        "a node revoked while running is dropped within seconds, its traffic counted as revoked; a forged list is ignored"
    )
    func revokeWhileRunning() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-revoke-cli-\(getpid())"
        ).path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(await Self.gossipkv(["init", "--dir", directory + "/ops", "--name", "a"]).status == 0)
        #expect(
            await Self.gossipkv([
                "cert", "issue", "--cluster-dir", directory + "/ops", "--name", "b", "--out",
                directory + "/b",
            ])
            .status == 0)
        let list = directory + "/revoked.list"
        try "gossipkv revocation list v1\n".write(toFile: list, atomically: true, encoding: .utf8)

        let base = ChildCluster.freeBase(nodes: 2)
        func arguments(_ name: String, _ index: Int, _ dir: String) -> [String] {
            [
                "--cluster-dir", dir, "--name", name, "--bind", "127.0.0.1", "--gossip-port",
                "\(base + 5_000 + index)",
                "--resp-port", "\(base + index)", "--metrics-port", "0", "--no-multicast", "--log-level",
                "info",
                // Inside the test's directory: the default data directory would outlive the test.
                "--data-dir", directory + "/data-" + name,
            ]
        }
        let a = try NodeProcess(
            arguments("a", 0, directory + "/ops") + ["--revocations", list],
            log: URL(fileURLWithPath: directory + "/a.log"))
        let b = try NodeProcess(
            arguments("b", 1, directory + "/b") + ["--join", "127.0.0.1:\(base + 5_000)"],
            log: URL(fileURLWithPath: directory + "/b.log"))
        defer {
            a.stopNow()
            b.stopNow()
        }
        try #require(
            await eventually(within: 20) {
                await Self.redis(base, "INFO", "cluster").contains("members_alive:2")
            },
            "nodes did not meet: \(a.output)\n\(b.output)")

        let revoked = await Self.gossipkv([
            "cert", "revoke", "--cluster-dir", directory + "/ops", "--out", list, directory + "/b/node.cert",
        ])
        #expect(revoked.status == 0, "\(revoked.output)")
        #expect(revoked.output.contains("revoked b ("))
        #expect(
            await eventually(within: 10) {
                let info = await Self.redis(base, "INFO", "cluster")
                return info.contains("members:1\r") || info.contains("members:1\n")
            }, "a still lists b: \(a.output)")
        #expect(
            await eventually(within: 10) {
                await Self.redis(base, "INFO", "cluster").contains("rejected_revoked:")
            })
        #expect(await Self.redis(base + 1, "SET", "from-b", "1") == "OK")
        try await Task.sleep(for: .seconds(1))
        #expect(await Self.redis(base, "GET", "from-b") == "")

        // A list with a line signed by another cluster's key is refused whole; the node keeps
        // the previous revocations and keeps serving.
        let other = directory + "/other"
        #expect(await Self.gossipkv(["init", "--dir", other, "--name", "x"]).status == 0)
        let foreign = directory + "/foreign.list"
        #expect(
            await Self.gossipkv([
                "cert", "revoke", "--cluster-dir", other, "--out", foreign, other + "/node.cert",
            ]).status == 0)
        let mixed =
            try String(contentsOfFile: list, encoding: .utf8)
            + (try String(contentsOfFile: foreign, encoding: .utf8)).split(separator: "\n").dropFirst()
            .joined(separator: "\n") + "\n"
        try mixed.write(toFile: list, atomically: true, encoding: .utf8)
        #expect(
            await eventually(within: 10) { a.output.contains("keeping the previous revocations") },
            "\(a.output)")
        #expect(a.output.contains("is for cluster"))
        #expect(await Self.redis(base, "SET", "still", "serving") == "OK")
        #expect(await Self.redis(base, "INFO", "cluster").contains("members:1"))
        await a.stop()
        await b.stop()
    }
}
