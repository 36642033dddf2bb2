import Foundation
import TestSupport
import Testing

/// A `gossipkv node --fsync batch` whose data directory fills up while four clients write: the
/// log append that fails may be the one deferred to the end of an event-loop turn, whose
/// replies are already encoded (`Node+DeferredLog.swift`). No client may get `OK` for a write
/// the log lost: after the node stops, a copy of its directory on a roomy disk must hold every
/// acknowledged write.
@Suite("a node whose disk fills up", .ownThreads, .serialized)
struct FullDiskTests {
    static var isAvailable: Bool {
        getuid() == 0 && LabCluster.binary != nil
            && FileManager.default.isExecutableFile(atPath: "/bin/mount")
    }

    @Test(
        "no write is acknowledged that a full disk kept out of the log",
        .enabled(
            if: FullDiskTests.isAvailable, "needs root (mounts a small tmpfs) and the built gossipkv binary"))
    func fullDiskLosesNoAcknowledgedWrite() async throws {
        guard let binary = LabCluster.binary else { return }
        let outcome = try await TestSupport.onOwnThread { try Self.fillTheDisk(binary: binary) }
        #expect(outcome.acknowledged.count > 10, "too few writes before the disk filled; see \(outcome.log)")
        #expect(outcome.refused, "no write was refused or cut off: the disk never filled; see \(outcome.log)")
        #expect(
            outcome.lost.isEmpty, "acknowledged writes lost: \(outcome.lost.prefix(5)); see \(outcome.log)")
        if outcome.lost.isEmpty && outcome.refused {
            try? FileManager.default.removeItem(atPath: (outcome.log as NSString).deletingLastPathComponent)
        }
    }

    struct Outcome: Sendable {
        var acknowledged: [String: String] = [:]
        /// A client got an error reply, or its connection closed without one.
        var refused = false
        var lost: [String] = []
        var log = ""
    }

    /// What the writer threads saw.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [String: String] = [:]
        private var refused = false

        func record(_ key: String, _ value: String, acknowledged isAcknowledged: Bool) {
            lock.withLock {
                if isAcknowledged { acknowledged[key] = value } else { refused = true }
            }
        }

        var result: ([String: String], Bool) { lock.withLock { (acknowledged, refused) } }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed")
        }
    }

    static func fillTheDisk(binary: String) throws -> Outcome {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("gkv-fulldisk-\(getpid())")
            .path
        try? FileManager.default.removeItem(atPath: base)
        let mount = base + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount])
        defer { try? run("/bin/umount", [mount]) }
        var outcome = Outcome(log: base + "/node.log")
        guard let respPort = freeLoopbackPort(), let gossipPort = freeLoopbackPort() else {
            throw Failure(description: "no free loopback port")
        }
        let process = try CrashRecoveryTests.startNode(
            binary: binary, directory: mount + "/data", fsync: "batch", respPort: respPort,
            gossipPort: gossipPort, log: outcome.log)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        guard CrashRecoveryTests.waitUntilServing(respPort, process: process) else {
            throw Failure(description: "the node did not serve; see \(outcome.log)")
        }
        let tally = Tally()
        let writers = CrashRecoveryTests.Countdown(4)
        let value = String(repeating: "v", count: 4_000)
        for writer in 0..<4 {
            Thread.detachNewThread {
                defer { writers.done() }
                guard let client = try? RESPSocket(port: respPort) else { return }
                // 1 MiB takes about 260 of these; stop well past that.
                for index in 0..<1_000 {
                    let key = "w\(writer)-k\(index)"
                    let reply = try? client.command(["SET", key, value + key])
                    tally.record(key, value + key, acknowledged: reply == "OK")
                    if reply != "OK" { return }
                }
            }
        }
        while !writers.isFinished { usleep(10_000) }
        (outcome.acknowledged, outcome.refused) = tally.result
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        // Read back from a copy on the roomy disk: a restart on the full one could not write
        // its new data epoch.
        let copy = base + "/copy"
        try run("/bin/cp", ["-a", mount + "/data", copy])
        let restarted = try CrashRecoveryTests.startNode(
            binary: binary, directory: copy, fsync: "batch", respPort: respPort, gossipPort: gossipPort,
            log: outcome.log)
        defer {
            if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) }
            restarted.waitUntilExit()
        }
        guard CrashRecoveryTests.waitUntilServing(respPort, process: restarted) else {
            throw Failure(description: "the node did not restart on the copy; see \(outcome.log)")
        }
        let reader = try RESPSocket(port: respPort)
        for (key, expected) in outcome.acknowledged.sorted(by: { $0.key < $1.key }) {
            let value = try reader.command(["GET", key])
            if value != expected {
                outcome.lost.append("\(key)=\(value.map { "\($0.prefix(8))..." } ?? "nil")")
            }
        }
        return outcome
    }
}
