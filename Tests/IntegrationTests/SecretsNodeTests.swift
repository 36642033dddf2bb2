import Foundation
import TestSupport
import Testing

/// `gossipkv node` as an operator starts it: secrets stay out of argv, a passphrase cluster
/// needs its own name, and the data directory is private.
@Suite("gossipkv node: secrets and file modes", .ownThreads, .serialized)
struct SecretsNodeTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func mode(_ path: String) -> UInt32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode) & 0o777
    }

    @Test(
        "a passphrase on argv, a passphrase cluster with no name, or one named default: the node exits saying why",
        .enabled(if: CrashRecoveryTests.isAvailable, "needs the built gossipkv binary"))
    func refusals() throws {
        let binary = try #require(LabCluster.binary)
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataDirectory = directory.appendingPathComponent("data").path
        let port = ChildCluster.freeBase(nodes: 1)
        let base = [
            "node", "--name", "s", "--bind", "127.0.0.1", "--gossip-port", "\(port + 5_000)", "--resp-port",
            "\(port)",
            "--metrics-port", "0", "--no-multicast", "--data-dir", dataDirectory,
        ]
        let noSecret: [String: String?] = ["GOSSIPKV_CLUSTER_SECRET": nil, "GOSSIPKV_CLUSTER_NAME": nil]

        let argv = RedisPy.run(binary, base + ["--cluster-secret", "correct horse"], environment: noSecret)
        #expect(argv.status != 0)
        #expect(argv.output.contains("--cluster-secret-file FILE"), "\(argv.output)")
        #expect(argv.output.contains("GOSSIPKV_CLUSTER_SECRET"), "\(argv.output)")

        let unnamed = RedisPy.run(
            binary, base,
            environment: ["GOSSIPKV_CLUSTER_SECRET": "correct horse", "GOSSIPKV_CLUSTER_NAME": nil])
        #expect(unnamed.status != 0)
        #expect(unnamed.output.contains("needs a name"), "\(unnamed.output)")

        let secretFile = directory.appendingPathComponent("secret").path
        try "correct horse\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let named = RedisPy.run(
            binary, base + ["--cluster-secret-file", secretFile, "--cluster-name", "default"],
            environment: noSecret)
        #expect(named.status != 0)
        #expect(named.output.contains("cannot be named 'default'"), "\(named.output)")
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
    }

    @Test(
        "a node creates its data directory 0700 and its key, log, epoch and lock files 0600",
        .enabled(if: CrashRecoveryTests.isAvailable, "needs the built gossipkv binary"))
    func privateDataDirectory() async throws {
        let binary = try #require(LabCluster.binary)
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataDirectory = directory.appendingPathComponent("var/node").path
        let port = ChildCluster.freeBase(nodes: 1)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "node", "--name", "perm", "--bind", "127.0.0.1", "--gossip-port", "\(port + 5_000)",
            "--resp-port",
            "\(port)", "--metrics-port", "0", "--no-multicast", "--data-dir", dataDirectory, "--fsync",
            "always",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let written = try await CrashRecoveryTests.onOwnThread { () throws -> String? in
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline {
                if let client = try? RESPSocket(port: port), (try? client.command(["PING"])) == "PONG" {
                    return try client.command(["SET", "k", "v"])
                }
                usleep(20_000)
            }
            return nil
        }
        process.terminate()
        process.waitUntilExit()
        #expect(written == "OK")
        #expect(Self.mode(directory.appendingPathComponent("var").path) == 0o700)
        #expect(Self.mode(dataDirectory) == 0o700)
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDirectory)
        #expect(names.contains("node.key"), "\(names)")
        #expect(names.contains { $0.hasSuffix(".wal") }, "\(names)")
        for name in names {
            #expect(Self.mode(dataDirectory + "/" + name) == 0o600, "\(name) is not 0600")
        }
    }
}
