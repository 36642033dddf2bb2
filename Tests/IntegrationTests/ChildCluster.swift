import Foundation
import TestSupport

/// `gossipkv cluster --nodes N` (or one `gossipkv node`) as a child process on loopback ports,
/// for tests that drive it with real clients. Only processes this object started are signalled,
/// by PID; `stop()` sends SIGINT, then SIGKILL to whatever is left.
final class ChildCluster: @unchecked Sendable {
    let directory: String
    let respPorts: [Int]
    private let process: Process
    private let output: URL

    /// Ports: RESP from `base`, gossip from `base + 5_000`, metrics off. Without `base`, one
    /// whose ports are free now is picked at random below the ephemeral range, so client
    /// sockets and tests running at once do not take them.
    init(nodes: Int, base: Int? = nil) throws {
        let base = base ?? Self.freeBase(nodes: nodes)
        guard let binary = LabCluster.binary else { throw ChildClusterError.noBinary }
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("gkv-clients-\(getpid())-\(base)")
            .path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        output = URL(fileURLWithPath: directory + ".log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        respPorts = (0..<nodes).map { base + $0 }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "cluster", "--nodes", "\(nodes)", "--dir", directory + "/nodes", "--resp-base", "\(base)",
            "--gossip-base", "\(base + 5_000)", "--metrics-base", "0", "--log-level", "warning",
        ]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    static func freeBase(nodes: Int) -> Int {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            // RESP 20000-21999 and gossip 25000-26999: below the ephemeral range (32768) and
            // apart from LocalClusterTests' 27001-37000.
            let base = Int.random(in: 20_000...(22_000 - nodes), using: &random)
            let ports = (0..<nodes).flatMap {
                [(base + $0, SOCK_STREAM), (base + 5_000 + $0, SOCK_STREAM), (base + 5_000 + $0, SOCK_DGRAM)]
            }
            if ports.allSatisfy({ isFree(port: $0.0, type: $0.1) }) { return base }
        }
        return 20_000 + Int(getpid() % 500) * 10
    }

    private static func isFree(port: Int, type: __socket_type) -> Bool {
        let descriptor = Glibc.socket(AF_INET, Int32(type.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Starts a cluster, runs `body`, and stops the cluster whatever happens.
    static func with(nodes: Int, _ body: (ChildCluster) async throws -> Void) async throws {
        let cluster = try ChildCluster(nodes: nodes)
        do {
            try await body(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Waits until every node answers and sees `respPorts.count` members alive.
    func waitUntilFormed(within seconds: Double = 20) async -> Bool {
        await eventually(within: seconds) {
            for node in respPorts.indices
            where await !redis(node, "INFO", "cluster").contains("members_alive:\(respPorts.count)") {
                return false
            }
            return true
        }
    }

    /// redis-cli's trimmed output, run off the cooperative pool.
    func redis(_ node: Int, _ arguments: String...) async -> String {
        let port = respPorts[node]
        return await offPool { LocalClusterTests.redis(port, arguments) }
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    func stop() async { await offPool { self.stopNow() } }

    private func stopNow() {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for pid in LocalClusterTests.processes(mentioning: directory) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(at: output)
    }

    deinit { stopNow() }
}

/// Runs blocking work (processes, sleeps, socket reads) on a thread of its own, so a test never
/// holds one of the few threads of the cooperative pool that in-process nodes of other suites
/// running at the same time need.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await onOwnThread { body() }
}

/// Polls `condition` every 50 ms for up to `seconds`, without blocking a thread.
func eventually(within seconds: Double = 60, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

enum ChildClusterError: Error, CustomStringConvertible {
    case noBinary
    var description: String { "the gossipkv binary is not built (swift build)" }
}

/// A raw RESP connection that PSUBSCRIBEs and collects what arrives, so a test can watch
/// keyspace notifications without a client library.
final class KeyspaceSubscriber: @unchecked Sendable {
    private let socket: Int32
    private var bytes: [UInt8] = []

    init(port: Int, pattern: String = "__keyspace@0__:*") throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw ChildClusterError.noBinary
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let command = "*2\r\n$10\r\nPSUBSCRIBE\r\n$\(pattern.utf8.count)\r\n\(pattern)\r\n"
        _ = command.withCString { send(socket, $0, strlen($0), 0) }
    }

    deinit { close(socket) }

    /// Everything received so far, as text (reads what is waiting first, off the pool).
    func received() async -> String { await offPool { self.text } }

    private var text: String {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// How many times `event` arrived for `key` on the keyspace channel.
    func count(_ event: String, key: String) async -> Int {
        await received().components(
            separatedBy: "__keyspace@0__:\(key)\r\n$\(event.utf8.count)\r\n\(event)\r\n"
        ).count - 1
    }
}
