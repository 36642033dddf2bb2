import Foundation
import Testing

/// `kill -9` of a `gossipkv node --fsync always` while clients write: after a restart on the
/// same data directory, every write whose OK a client received is there (its value or a newer
/// one). Rounds: 5 by default, `GOSSIPKV_CRASH_ROUNDS=N` for more; the kill point is random and
/// printed with the round.
@Suite("crash recovery of a node process", .serialized)
struct CrashRecoveryTests {
    static var isAvailable: Bool { LabCluster.binary != nil }

    /// What one writer sent to one key, in order, and how many of those writes were acknowledged.
    final class History: @unchecked Sendable {
        private let lock = NSLock()
        private var sent: [String: [String]] = [:]
        /// Per key: the index in `sent` of the last acknowledged write.
        private var acknowledged: [String: Int] = [:]
        private(set) var acknowledgedCount = 0

        func willSend(_ key: String, _ value: String) -> Int {
            lock.lock()
            defer { lock.unlock() }
            sent[key, default: []].append(value)
            return sent[key, default: []].count - 1
        }

        func acknowledge(_ key: String, index: Int) {
            lock.lock()
            defer { lock.unlock() }
            acknowledged[key] = max(acknowledged[key] ?? -1, index)
            acknowledgedCount += 1
        }

        /// Per key, the values a read may return: the last acknowledged one or any sent after it.
        var allowed: [String: Set<String>] {
            lock.lock()
            defer { lock.unlock() }
            var result: [String: Set<String>] = [:]
            for (key, index) in acknowledged {
                result[key] = Set(sent[key, default: []][index...])
            }
            return result
        }
    }

    /// Counts finished writer threads.
    final class Countdown: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        init(_ count: Int) { remaining = count }
        func done() { lock.withLock { remaining -= 1 } }
        var isFinished: Bool { lock.withLock { remaining <= 0 } }
    }

    final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    /// Runs one `gossipkv node` on loopback, its output in `log`.
    static func startNode(binary: String, directory: String, respPort: Int, gossipPort: Int, log: String) throws -> Process {
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "node", "--name", "crash", "--bind", "127.0.0.1", "--gossip-port", "\(gossipPort)", "--resp-port",
            "\(respPort)", "--metrics-port", "0", "--no-multicast", "--data-dir", directory, "--fsync", "always",
        ]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Polls with `Task.sleep`, never blocking a thread of the cooperative pool (on a 2-core
    /// machine it has 2, and the in-process node tests running beside this one need them).
    static func waitUntilServing(_ port: Int, process: Process) async -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline {
            if let client = try? RESPSocket(port: port), (try? client.command(["PING"])) == "PONG" { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits for a killed process without blocking a cooperative thread.
    static func waitForExit(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        process.waitUntilExit()
    }

    @Test("every acknowledged write survives kill -9 (fsync always), round after round",
          .enabled(if: CrashRecoveryTests.isAvailable, "needs the built gossipkv binary"))
    func acknowledgedWritesSurviveKill() async throws {
        guard let binary = LabCluster.binary else { return }
        let rounds = ProcessInfo.processInfo.environment["GOSSIPKV_CRASH_ROUNDS"].flatMap(Int.init) ?? 5
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("gkv-crash-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let directory = base + "/data"
        let log = base + "/node.log"
        let respPort = try #require(freeLoopbackPort())
        let gossipPort = try #require(freeLoopbackPort())
        let history = History()
        var generator = SystemRandomNumberGenerator()
        var process = try Self.startNode(
            binary: binary, directory: directory, respPort: respPort, gossipPort: gossipPort, log: log)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        for round in 1...rounds {
            try #require(
                await Self.waitUntilServing(respPort, process: process), "round \(round): node did not serve; see \(log)")
            let before = history.acknowledgedCount
            let stop = StopFlag()
            let writers = Countdown(4)
            for writer in 0..<4 {
                Thread.detachNewThread {
                    defer { writers.done() }
                    guard let client = try? RESPSocket(port: respPort) else { return }
                    var index = 0
                    while true {
                        if stop.isSet { return }
                        let key = "w\(writer)-k\(index % 25)"
                        let value = "r\(round)-w\(writer)-\(index)"
                        let slot = history.willSend(key, value)
                        guard let reply = try? client.command(["SET", key, value]) else { return }
                        if reply == "OK" { history.acknowledge(key, index: slot) }
                        index += 1
                    }
                }
            }
            let killAfter = Int.random(in: 150...900, using: &generator)
            print("crash round \(round)/\(rounds): SIGKILL after \(killAfter) ms")
            try await Task.sleep(for: .milliseconds(killAfter))
            kill(process.processIdentifier, SIGKILL)
            await Self.waitForExit(process)
            stop.set()
            while !writers.isFinished { try await Task.sleep(for: .milliseconds(10)) }
            #expect(history.acknowledgedCount > before, "round \(round): no write was acknowledged before the kill")

            process = try Self.startNode(
                binary: binary, directory: directory, respPort: respPort, gossipPort: gossipPort, log: log)
            try #require(await Self.waitUntilServing(respPort, process: process), "round \(round): no restart; see \(log)")
            let reader = try RESPSocket(port: respPort)
            var missing: [String] = []
            for (key, allowed) in history.allowed {
                let value = try reader.command(["GET", key])
                if value.map({ !allowed.contains($0) }) ?? true {
                    missing.append("\(key)=\(value ?? "nil") (allowed \(allowed.sorted()))")
                }
            }
            print("crash round \(round): \(history.acknowledgedCount - before) writes acknowledged before the kill, all checked")
            #expect(missing.isEmpty, "round \(round): acknowledged writes lost: \(missing.prefix(5)); see \(log)")
        }
        kill(process.processIdentifier, SIGINT)
        await Self.waitForExit(process)
        #expect(process.terminationStatus == 0, "a graceful stop after crashes exits cleanly; see \(log)")
        if ProcessInfo.processInfo.environment["GOSSIPKV_CRASH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: base) }
    }
}
