import ArgumentParser
import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVStorage

/// `gossipkv cluster --nodes N`: one command for a local cluster. Starts N node processes on
/// 127.0.0.1 in one terminal, as a fresh closed cluster (a random cluster key in its directory),
/// with each other as static seeds and no multicast, so it works on any machine and never mixes
/// with a LAN. Output is prefixed by node name (colored on a terminal); Ctrl-C stops all cleanly.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract:
            "Run a local N-node cluster on 127.0.0.1 (RESP ports 7001.., gossip 7101.., metrics 7201..).",
        discussion: """
            Try: redis-cli -p 7001 SET a 5 && redis-cli -p 7003 GET a
            Keys and data live under --dir (default: a new temporary directory, printed at start): \
            each node keeps its write-ahead log in DIR/nodeN, so running again with the same --dir \
            brings the cluster back with its data.
            """)

    @Option(help: "Number of nodes (1-99).")
    var nodes: Int = 3

    @Option(help: "Directory for the cluster key and each node's files (default: a new temp directory).")
    var dir: String?

    @Option(name: .customLong("resp-base"), help: "RESP port of the first node; node i gets base + i - 1.")
    var respBase: Int = 7001

    @Option(name: .customLong("gossip-base"), help: "Gossip port of the first node.")
    var gossipBase: Int = 7101

    @Option(
        name: .customLong("metrics-base"),
        help: "Metrics (HTTP /metrics, /health, /ready) port of the first node; 0 turns metrics off.")
    var metricsBase: Int = 7201

    @Option(
        name: .customLong("log-level"),
        help: "Log level of the nodes: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("fsync"), help: "fsync policy of the nodes: always, batch (default) or never.")
    var fsync: String = "batch"

    func validate() throws {
        guard (1...99).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 99") }
        guard ["always", "batch", "never"].contains(fsync) else {
            throw ValidationError("--fsync must be always, batch or never")
        }
        guard respBase > 0, gossipBase > 0, metricsBase >= 0, respBase + nodes <= 65_535,
            gossipBase + nodes <= 65_535,
            metricsBase + nodes <= 65_535
        else {
            throw ValidationError("port bases must leave room for \(nodes) ports below 65535")
        }
    }

    /// A new private directory under the temporary directory (`mkdtemp`: mode 0700, a name no
    /// one else can have taken), with a name one can paste into a shell. Foundation's
    /// item-replacement directory on Linux is "(A Document Being Saved By gossipkv)".
    static func makeTemporaryDirectory() throws(ValidationError) -> String {
        var template = Array((NSTemporaryDirectory() + "gossipkv-cluster-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
        }
        guard made else {
            throw ValidationError(
                "cannot create a directory under \(NSTemporaryDirectory()): errno \(errno); give one with --dir"
            )
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func run() throws {
        let directory = try dir ?? Self.makeTemporaryDirectory()
        // 0700 (as mkdtemp makes it): it holds the cluster's secret key and every node's data.
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let clusterKeyPath = directory + "/" + IdentityFiles.clusterSecretKey
        let cluster: ClusterKeyPair
        if FileManager.default.fileExists(atPath: clusterKeyPath) {
            cluster = try KeyFile.readClusterKeyPair(from: clusterKeyPath)
        } else {
            cluster = ClusterKeyPair.generate()
            try KeyFile.write(secret: cluster, to: clusterKeyPath)
        }
        let names = (1...nodes).map { "node\($0)" }
        for name in names
        where !FileManager.default.fileExists(atPath: "\(directory)/\(name)/\(IdentityFiles.nodeKey)") {
            try FileManager.default.createDirectory(
                atPath: "\(directory)/\(name)", withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try KeyFile.write(
                clusterPublicKey: cluster.publicKey,
                to: "\(directory)/\(name)/\(IdentityFiles.clusterPublicKey)")
            try CertCommand.Issue.issue(name: name, cluster: cluster, into: "\(directory)/\(name)")
            try Self.startHistory(in: "\(directory)/\(name)")
        }
        // Directories made before encryption existed get their data key too.
        for name in names {
            try CertCommand.Issue.writeDataKey(cluster: cluster, into: "\(directory)/\(name)")
        }
        let output = PrefixedOutput()
        output.line(from: "cluster", "cluster \(cluster.clusterID) in \(directory)")
        for (offset, name) in names.enumerated() {
            let metrics =
                metricsBase == 0 ? "" : "   metrics http://127.0.0.1:\(metricsBase + offset)/metrics"
            output.line(
                from: "cluster",
                "\(name): redis-cli -p \(respBase + offset)   gossip 127.0.0.1:\(gossipBase + offset)\(metrics)"
            )
        }

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let seeds = (0..<nodes).flatMap { ["--join", "127.0.0.1:\(gossipBase + $0)"] }
        let children = Children()
        // Ctrl-C reaches the children through the terminal's process group; a signal sent to
        // this process alone is forwarded. Either way, wait for every child to leave cleanly.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let stopRequested = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stopRequested.signal() }
            source.resume()
            sources.append(source)
        }
        for (offset, name) in names.enumerated() {
            let process = Process()
            process.executableURL = executable
            process.arguments =
                [
                    "node", "--name", name, "--bind", "127.0.0.1", "--gossip-port", "\(gossipBase + offset)",
                    "--resp-port", "\(respBase + offset)", "--metrics-port",
                    "\(metricsBase == 0 ? 0 : metricsBase + offset)",
                    "--no-multicast", "--cluster-dir", "\(directory)/\(name)",
                    "--data-dir", "\(directory)/\(name)", "--fsync", fsync, "--log-level", logLevel,
                ] + seeds
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            output.follow(pipe, as: name)
            process.terminationHandler = { child in
                output.line(from: name, "exited (status \(child.terminationStatus))")
                if children.all.allSatisfy({ !$0.isRunning }) { stopRequested.signal() }
            }
            try process.run()
            children.append(process)
        }
        let processes = children.all
        stopRequested.wait()
        output.line(from: "cluster", "stopping \(nodes) nodes")
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGINT) }
        let deadline = Date().addingTimeInterval(10)
        while processes.contains(where: \.isRunning) && Date() < deadline { usleep(20_000) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
        output.line(from: "cluster", "all nodes stopped; data kept in \(directory)")
        sources.forEach { $0.cancel() }
    }
}

extension ClusterCommand {
    /// Starts a new node's data directory beside its new key: a node that finds its key from
    /// disk and an empty data directory must assume it lost its old writes and start a new data
    /// epoch (see `Node.newEpochReason`), but this key has never written, so its (empty) history
    /// is complete: the directory records data epoch 0 and a clean close.
    static func startHistory(in directory: String) throws {
        let (storage, recovered) = try Storage.open(StorageConfiguration(directory: directory))
        if recovered.isFresh { try storage.beginEpoch(0) }
        try storage.close()
    }
}

/// Writes children's lines prefixed by their name, colored when stdout is a terminal, one
/// whole line at a time.
final class PrefixedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let colored = isatty(STDOUT_FILENO) != 0
    private var colors: [String: String] = [:]
    private var partial: [String: String] = [:]
    private static let palette = [
        "\u{1B}[36m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[32m", "\u{1B}[34m", "\u{1B}[31m",
    ]

    func line(from name: String, _ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write(name: name, text)
    }

    private func write(name: String, _ text: String) {
        let label = name.padding(toLength: 8, withPad: " ", startingAt: 0)
        if colored {
            let color =
                colors[name]
                ?? {
                    let color = Self.palette[colors.count % Self.palette.count]
                    colors[name] = color
                    return color
                }()
            FileHandle.standardOutput.write(Data("\(color)\(label)\u{1B}[0m| \(text)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data("\(label)| \(text)\n".utf8))
        }
    }

    func follow(_ pipe: Pipe, as name: String) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            defer { self.lock.unlock() }
            if data.isEmpty {
                if let rest = self.partial.removeValue(forKey: name), !rest.isEmpty {
                    self.write(name: name, rest)
                }
                handle.readabilityHandler = nil
                return
            }
            var text = (self.partial[name] ?? "") + String(decoding: data, as: UTF8.self)
            while let newline = text.firstIndex(of: "\n") {
                self.write(name: name, String(text[..<newline]))
                text = String(text[text.index(after: newline)...])
            }
            self.partial[name] = text
        }
    }
}

/// The child processes, shared with their termination handlers.
final class Children: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [Process] = []

    func append(_ process: Process) {
        lock.lock()
        processes.append(process)
        lock.unlock()
    }

    var all: [Process] {
        lock.lock()
        defer { lock.unlock() }
        return processes
    }
}
