import Foundation
import TestSupport
import Testing

/// `gossipkv cluster --nodes 3`, the README's first command, as a user runs it.
@Suite("the local cluster command", .ownThreads, .serialized)
struct LocalClusterTests {
    static var isAvailable: Bool { LabCluster.binary != nil && LabCluster.redisCLI != nil }

    static func redis(_ port: Int, _ arguments: [String]) -> String {
        guard let cli = LabCluster.redisCLI else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cli)
        process.arguments = ["-p", "\(port)"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// PIDs of processes whose command line mentions `marker` (our temp directory).
    static func processes(mentioning marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    @Test(
        "3 nodes start, a write on the first is read on the third, Ctrl-C leaves no process behind, and the same --dir brings the data back",
        .enabled(if: LocalClusterTests.isAvailable, "needs redis-cli and the built gossipkv binary"))
    func localCluster() throws {
        guard let binary = LabCluster.binary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gkv-local-\(getpid())")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let respBase = 27_001 + Int(getpid() % 500) * 10
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "cluster", "--nodes", "3", "--dir", directory, "--resp-base", "\(respBase)",
            "--gossip-base", "\(respBase + 5_000)", "--metrics-base", "\(respBase + 10_000)",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for pid in Self.processes(mentioning: directory) { kill(pid, SIGKILL) }
        }
        #expect(LabCluster.eventually { Self.redis(respBase, ["SET", "a", "5"]) == "OK" })
        #expect(LabCluster.eventually { Self.redis(respBase + 2, ["GET", "a"]) == "5" })
        // New keys come with new data directories: each node holds its whole history and writes
        // under data epoch 0 (its node id).
        #expect(Self.redis(respBase + 1, ["INFO", "cluster"]).contains("data_epoch:0"))
        #expect(Self.processes(mentioning: directory).count == 4)
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning)
        #expect(LabCluster.eventually(within: 5) { Self.processes(mentioning: directory).isEmpty })
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("all nodes stopped"))

        // The same --dir brings the cluster back with its data (each node's log and snapshot).
        let again = Process()
        again.executableURL = URL(fileURLWithPath: binary)
        again.arguments = process.arguments
        again.standardOutput = FileHandle.nullDevice
        again.standardError = FileHandle.nullDevice
        try again.run()
        defer {
            if again.isRunning { kill(again.processIdentifier, SIGKILL) }
            for pid in Self.processes(mentioning: directory) { kill(pid, SIGKILL) }
        }
        for offset in 0..<3 {
            #expect(
                LabCluster.eventually { Self.redis(respBase + offset, ["GET", "a"]) == "5" },
                "node \(offset + 1)")
        }
        kill(again.processIdentifier, SIGINT)
        let stopBy = Date().addingTimeInterval(15)
        while again.isRunning && Date() < stopBy { usleep(20_000) }
        #expect(!again.isRunning)
    }
}
