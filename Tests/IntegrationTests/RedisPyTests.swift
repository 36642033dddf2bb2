import Foundation
import TestSupport
import Testing

/// redis-py from PyPI, in a venv made once under .build/ (never committed), drives real nodes
/// through Tests/Clients/redis_py_check.py.
enum RedisPy {
    static let version = "8.1.0"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = root.appendingPathComponent("Tests/Clients/redis_py_check.py").path

    /// The venv's python with redis-py importable, made on first use; nil (and why) when it
    /// cannot be made, e.g. without network to PyPI.
    static let python: (path: String?, problem: String) = {
        let venv = root.appendingPathComponent(".build/redis-py-\(version)").path
        let python = venv + "/bin/python"
        if run(python, ["-c", "import redis"]).status == 0 { return (python, "") }
        let made = run("/usr/bin/python3", ["-m", "venv", venv])
        guard made.status == 0 else {
            return (nil, "cannot create a venv (apt-get install python3-venv): \(made.output.suffix(300))")
        }
        let installed = run(
            venv + "/bin/pip", ["install", "-q", "--disable-pip-version-check", "redis==\(version)"])
        guard installed.status == 0, run(python, ["-c", "import redis"]).status == 0 else {
            return (
                nil,
                "cannot install redis-py \(version) from PyPI (no network?): \(installed.output.suffix(300))"
            )
        }
        return (python, "")
    }()

    static var isAvailable: Bool {
        LabCluster.binary != nil && LabCluster.redisCLI != nil && python.path != nil
    }
    static var skipReason: Comment {
        Comment(
            rawValue: "redis-py interop skipped: "
                + (python.path == nil ? python.problem : "needs redis-cli and the gossipkv binary"))
    }

    /// Runs `executable` to its end (stdout and stderr together); `environment` replaces the
    /// named variables (nil removes one).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:]
    ) -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return (-1, "\(executable) not found")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "cannot run \(executable)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite(
    "redis-py against real nodes", .ownThreads, .serialized,
    .enabled(if: RedisPy.isAvailable, RedisPy.skipReason))
struct RedisPyTests {

    /// Runs the check script twice: in redis-py's default configuration (RESP3, HELLO 3) and
    /// with `protocol=2` (RESP2).
    func check(_ cluster: ChildCluster) async throws {
        try #require(await cluster.waitUntilFormed(), "cluster did not form: \(cluster.log)")
        let python = try #require(RedisPy.python.path)
        let ports = cluster.respPorts.map(String.init).joined(separator: ",")
        for (configuration, resp) in [("default", "RESP3"), ("2", "RESP2")] {
            let result = await offPool { RedisPy.run(python, [RedisPy.script, ports, configuration]) }
            #expect(result.status == 0, "\(result.output)\n--- node log ---\n\(cluster.log)")
            #expect(
                result.output.contains(
                    "(\(configuration) configuration, \(resp)) against \(cluster.respPorts.count) node(s): all checks passed"
                ),
                "\(result.output)")
            #expect(result.output.contains("ok keyspace notifications"))
            #expect(result.output.contains("ok MULTI/EXEC transaction pipelines"))
        }
    }

    @Test("one node, RESP3 and RESP2: every command family, transactions and keyspace notifications")
    func singleNode() async throws {
        try await ChildCluster.with(nodes: 1) { try await check($0) }
    }

    @Test("three nodes: written on one node, read and notified on another")
    func threeNodes() async throws {
        try await ChildCluster.with(nodes: 3) { try await check($0) }
    }
}
