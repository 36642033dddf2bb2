import Foundation
import TestSupport
import Testing

/// `gossipkv node --requirepass-file`: the password reaches the node's Redis port.
@Suite("gossipkv node with a client password", .ownThreads)
struct ClientPasswordNodeTests {
    @Test(
        "a node started with --requirepass-file answers NOAUTH, WRONGPASS, then serves after AUTH",
        .enabled(if: CrashRecoveryTests.isAvailable, "needs the built gossipkv binary"))
    func passwordFromFile() async throws {
        let binary = try #require(LabCluster.binary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-pass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = directory.appendingPathComponent("requirepass").path
        try Data("node-secret\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        let base = ChildCluster.freeBase(nodes: 1)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "node", "--name", "pw", "--bind", "127.0.0.1", "--gossip-port", "\(base + 5_000)", "--resp-port",
            "\(base)", "--metrics-port", "0", "--no-multicast", "--in-memory", "--requirepass-file",
            passwordFile,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let replies = try await CrashRecoveryTests.onOwnThread { () throws -> [String?] in
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline {
                if let client = try? RESPSocket(port: base), let ping = try? client.command(["PING"]) {
                    return [
                        ping, try client.command(["AUTH", "wrong"]),
                        try client.command(["AUTH", "node-secret"]),
                        try client.command(["SET", "k", "v"]), try client.command(["GET", "k"]),
                    ]
                }
                usleep(20_000)
            }
            return []
        }
        #expect(
            replies == [
                "-NOAUTH Authentication required.",
                "-WRONGPASS invalid username-password pair or user is disabled.",
                "OK", "OK", "v",
            ])

        // The CLI's client commands: the password from a file or the environment, or NOAUTH.
        let node = "127.0.0.1:\(base)"
        let noPassword: [String: String?] = ["GOSSIPKV_PASSWORD": nil]
        let fromFile = RedisPy.run(
            binary, ["get", "k", "--node", node, "--password-file", passwordFile], environment: noPassword)
        #expect(fromFile.status == 0 && fromFile.output.contains("v"), "\(fromFile)")
        let fromEnvironment = RedisPy.run(
            binary, ["get", "k", "--node", node], environment: ["GOSSIPKV_PASSWORD": "node-secret"])
        #expect(fromEnvironment.status == 0 && fromEnvironment.output.contains("v"), "\(fromEnvironment)")
        let without = RedisPy.run(binary, ["get", "k", "--node", node], environment: noPassword)
        #expect(without.status != 0 && without.output.contains("NOAUTH"), "\(without)")
    }
}
