import Foundation
import TestSupport
import Testing

/// `kill -9` of a `gossipkv node --fsync always` (or `batch`) while clients write: after a
/// restart on the same data directory, every write whose OK a client received is there (its
/// value or a newer one). Under `batch` the kill loses nothing the kernel holds, so this checks
/// that a reply follows its write's `write(2)` to the log (the node defers that append to the
/// end of an event-loop turn, `Node+DeferredLog.swift`). Rounds: 5 by default, `GOSSIPKV_CRASH_ROUNDS=N` for more; the kill point is random and
/// printed with the round.
@Suite("crash recovery of a node process", .ownThreads, .serialized)
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
    static func startNode(
        binary: String, directory: String, fsync: String, respPort: Int, gossipPort: Int, log: String
    ) throws -> Process {
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "node", "--name", "crash", "--bind", "127.0.0.1", "--gossip-port", "\(gossipPort)", "--resp-port",
            "\(respPort)", "--metrics-port", "0", "--no-multicast", "--data-dir", directory, "--fsync",
            fsync,
        ]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Polls the node's RESP port until it answers PING.
    static func waitUntilServing(_ port: Int, process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            if let client = try? RESPSocket(port: port), (try? client.command(["PING"])) == "PONG" {
                return true
            }
            usleep(20_000)
        }
        return false
    }

    /// What the rounds saw, checked by the test on its own task.
    struct Report: Sendable {
        var acknowledgedPerRound: [Int] = []
        /// Per round, acknowledged writes missing after the restart (key, value read, allowed).
        var lostPerRound: [[String]] = []
        var gracefulExitStatus: Int32 = -1
        var log = ""
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body` on a thread of its own: the rounds block (sockets, sleeps, waits) for many
    /// seconds, and must neither hold nor wait for a thread of the cooperative pool, which the
    /// in-process node tests running beside this one need (2 threads on a 2-core machine).
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await TestSupport.onOwnThread { try body() }
    }

    @Test(
        "every acknowledged write survives kill -9, round after round",
        .enabled(if: CrashRecoveryTests.isAvailable, "needs the built gossipkv binary"),
        arguments: ["always", "batch"])
    func acknowledgedWritesSurviveKill(fsync: String) async throws {
        guard let binary = LabCluster.binary else { return }
        let rounds = ProcessInfo.processInfo.environment["GOSSIPKV_CRASH_ROUNDS"].flatMap(Int.init) ?? 5
        let report = try await Self.onOwnThread {
            try Self.crashRounds(binary: binary, fsync: fsync, rounds: rounds)
        }
        #expect(report.acknowledgedPerRound.count == rounds)
        for (round, acknowledged) in report.acknowledgedPerRound.enumerated() {
            #expect(
                acknowledged > 0,
                "round \(round + 1): no write was acknowledged before the kill; see \(report.log)")
        }
        for (round, lost) in report.lostPerRound.enumerated() {
            #expect(
                lost.isEmpty,
                "round \(round + 1): acknowledged writes lost: \(lost.prefix(5)); see \(report.log)")
        }
        #expect(
            report.gracefulExitStatus == 0, "a graceful stop after crashes exits cleanly; see \(report.log)")
    }

    /// Starts the node, then per round: 4 writers, SIGKILL at a random point, restart, read back.
    static func crashRounds(binary: String, fsync: String, rounds: Int) throws -> Report {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-crash-\(fsync)-\(getpid())"
        )
        .path
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let directory = base + "/data"
        var report = Report(log: base + "/node.log")
        guard let respPort = freeLoopbackPort(), let gossipPort = freeLoopbackPort() else {
            throw Failure(description: "no free loopback port")
        }
        let history = History()
        var generator = SystemRandomNumberGenerator()
        var process = try startNode(
            binary: binary, directory: directory, fsync: fsync, respPort: respPort, gossipPort: gossipPort,
            log: report.log)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        for round in 1...rounds {
            guard waitUntilServing(respPort, process: process) else {
                throw Failure(description: "round \(round): the node did not serve; see \(report.log)")
            }
            let before = history.acknowledgedCount
            let stop = StopFlag()
            let writers = Countdown(4)
            for writer in 0..<4 {
                Thread.detachNewThread {
                    defer { writers.done() }
                    guard let client = try? RESPSocket(port: respPort) else { return }
                    var index = 0
                    while !stop.isSet {
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
            usleep(UInt32(killAfter) * 1_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            stop.set()
            while !writers.isFinished { usleep(10_000) }
            let acknowledged = history.acknowledgedCount - before
            report.acknowledgedPerRound.append(acknowledged)

            process = try startNode(
                binary: binary, directory: directory, fsync: fsync, respPort: respPort,
                gossipPort: gossipPort,
                log: report.log)
            guard waitUntilServing(respPort, process: process) else {
                throw Failure(description: "round \(round): the node did not restart; see \(report.log)")
            }
            let reader = try RESPSocket(port: respPort)
            var lost: [String] = []
            for (key, allowed) in history.allowed {
                let value = try reader.command(["GET", key])
                if value.map({ !allowed.contains($0) }) ?? true {
                    lost.append("\(key)=\(value ?? "nil") (allowed \(allowed.sorted()))")
                }
            }
            report.lostPerRound.append(lost)
            print(
                "crash round \(round)/\(rounds) (fsync \(fsync)): SIGKILL after \(killAfter) ms, \(acknowledged) writes acknowledged, \(lost.count) lost"
            )
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        report.gracefulExitStatus = process.terminationStatus
        if ProcessInfo.processInfo.environment["GOSSIPKV_CRASH_KEEP"] == nil,
            report.lostPerRound.allSatisfy(\.isEmpty)
        {
            try? FileManager.default.removeItem(atPath: base)
        }
        return report
    }
}
