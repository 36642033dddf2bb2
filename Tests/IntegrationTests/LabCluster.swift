import Foundation

/// `gossipkv node` processes on the hosts of a `NetworkLab`, driven with `redis-cli` run inside
/// the same namespaces. Only processes this object started are ever signalled, by PID.
final class LabCluster: @unchecked Sendable {
    let lab: NetworkLab
    let binary: String
    let logDirectory: URL
    private(set) var processes: [Int: Process] = [:]

    /// The `gossipkv` executable `swift test` built beside the test bundle, or the one
    /// `GOSSIPKV_BINARY` names (a release build, to time a heal at full size without building
    /// the tests in release: `GOSSIPKV_BINARY=.build/release/gossipkv`).
    static var binary: String? {
        if let chosen = ProcessInfo.processInfo.environment["GOSSIPKV_BINARY"], !chosen.isEmpty {
            return FileManager.default.isExecutableFile(atPath: chosen) ? chosen : nil
        }
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            candidates.append(
                URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("gossipkv"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/gossipkv"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var redisCLI: String? {
        ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static var isAvailable: Bool { NetworkLab.isAvailable && binary != nil && redisCLI != nil }
    static let unavailableReason =
        "needs root, iproute2, redis-cli (redis-tools) and the built gossipkv binary; skipped"

    init(hosts: Int) throws {
        guard let binary = Self.binary else { throw LabError.missing("gossipkv binary") }
        self.binary = binary
        lab = try NetworkLab(hostCount: hosts)
        logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gossipkv-lab-\(lab.prefix)")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
    }

    enum LabError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case let .missing(what): return "missing \(what)"
            }
        }
    }

    /// Starts `gossipkv node --name h<index>` plus `arguments` on host `index`. Unless the
    /// arguments choose, the node keeps its data in this lab's own directory (never the
    /// machine-wide default, which other test runs may be using).
    func start(_ index: Int, _ arguments: [String] = []) throws {
        let log = logDirectory.appendingPathComponent("h\(index).log")
        let storage =
            arguments.contains("--data-dir") || arguments.contains("--in-memory")
            ? [] : ["--data-dir", logDirectory.appendingPathComponent("h\(index)-data").path]
        processes[index] = try lab.spawn(
            on: index, [binary, "node", "--name", "h\(index)"] + storage + arguments, log: log)
    }

    /// SIGINT (graceful: the node leaves) or SIGKILL (a crash); waits for the process to end.
    func stop(_ index: Int, kill: Bool = false) {
        guard let process = processes.removeValue(forKey: index) else { return }
        if process.isRunning {
            Foundation.kill(process.processIdentifier, kill ? SIGKILL : SIGINT)
            // A paused (SIGSTOP) node handles the SIGINT only once it runs again.
            Foundation.kill(process.processIdentifier, SIGCONT)
        }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Pauses (SIGSTOP) or resumes (SIGCONT) the node on host `index`, by its PID (`ip netns
    /// exec` execs the node, so the PID is the node's).
    func setPaused(_ index: Int, _ paused: Bool) {
        guard let process = processes[index], process.isRunning else { return }
        Foundation.kill(process.processIdentifier, paused ? SIGSTOP : SIGCONT)
    }

    /// Runs `redis-cli -p 7379 <arguments>` inside host `index`; returns its output, trimmed.
    @discardableResult
    func redis(_ index: Int, _ arguments: [String]) -> String {
        guard let cli = Self.redisCLI else { return "" }
        return (try? lab.run(["ip", "netns", "exec", lab.hosts[index], cli, "-p", "7379"] + arguments))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// The number of members host `index` sees alive (from INFO's cluster section).
    func aliveMembers(on index: Int) -> Int {
        let info = redis(index, ["INFO", "cluster"])
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("members_alive:") {
            return Int(line.dropFirst("members_alive:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    func log(_ index: Int) -> String {
        (try? String(contentsOf: logDirectory.appendingPathComponent("h\(index).log"), encoding: .utf8)) ?? ""
    }

    func tearDown() {
        for index in Array(processes.keys) { stop(index) }
        lab.tearDown()
    }

    deinit { tearDown() }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(within seconds: Double = 15, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
