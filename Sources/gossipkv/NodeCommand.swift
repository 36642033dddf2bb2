import ArgumentParser
import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVRESP
import Logging
import ServiceLifecycle

/// `gossipkv node`: runs one node until SIGINT/SIGTERM, then leaves the cluster cleanly.
/// Every option can also come from a `GOSSIPKV_` environment variable (`--gossip-port` from
/// `GOSSIPKV_GOSSIP_PORT`); a flag wins over the environment.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one node (with no options: join the open LAN cluster 'default' by multicast).")

    @Option(help: "Node name shown to other nodes (default: the host name).")
    var name: String?

    @Option(help: "Address to listen on and advertise (default: listen on all, advertise the multicast interface's).")
    var bind: String?

    @Option(help: "Address other nodes should use to reach this one.")
    var advertise: String?

    @Option(name: .customLong("gossip-port"), help: "Gossip port, UDP and TCP (default 7377).")
    var gossipPort: Int?

    @Option(name: .customLong("resp-port"), help: "Redis-protocol client port (default 7379).")
    var respPort: Int?

    @Option(name: .customLong("resp-bind"), help: "Address the Redis-protocol server binds (default 127.0.0.1).")
    var respBind: String?

    @Option(name: .customLong("data-dir"), help: "Directory for this node's key (and, later, its data).")
    var dataDir: String?

    @Option(name: .customLong("join"), help: "HOST:PORT of a node to contact where multicast is blocked (repeatable).")
    var join: [String] = []

    @Option(name: .customLong("cluster-secret"), help: "Close the cluster: every node derives the cluster key from these words.")
    var clusterSecret: String?

    @Option(name: .customLong("cluster-name"), help: "Cluster name used with --cluster-secret (default 'default').")
    var clusterName: String?

    @Option(name: .customLong("cluster-dir"), help: "Directory with node.key, node.cert and cluster.pub (from `gossipkv init` / `cert issue`).")
    var clusterDir: String?

    @Option(name: .customLong("multicast-interface"), help: "Announce and listen on this interface only.")
    var multicastInterface: String?

    @Option(name: .customLong("multicast-group"), help: "Multicast group (default 239.255.77.77).")
    var multicastGroup: String?

    @Option(name: .customLong("multicast-port"), help: "Multicast port (default 7378).")
    var multicastPort: Int?

    @Option(name: .customLong("multicast-ttl"), help: "Multicast TTL (default 1: the local link only).")
    var multicastTTL: UInt8?

    @Flag(name: .customLong("no-multicast"), help: "Do not use multicast; rely on --join seeds.")
    var noMulticast = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    func validate() throws {
        let environment = Environment()
        if (clusterSecret ?? environment["CLUSTER_SECRET"]) != nil && (clusterDir ?? environment["CLUSTER_DIR"]) != nil {
            throw ValidationError("use either --cluster-secret or --cluster-dir, not both")
        }
        if multicastInterface != nil && noMulticast {
            throw ValidationError("--multicast-interface and --no-multicast contradict each other; pick one")
        }
        for seed in join { _ = try HostPort(parsing: seed, defaultPort: 7377) }
    }

    func run() async throws {
        let environment = Environment()
        let level = Logger.Level(rawValue: logLevel ?? environment["LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gossipkv")
        let nodeName = name ?? environment["NAME"] ?? ProcessInfo.processInfo.hostName
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let identity = try makeIdentity(name: nodeName, environment: environment, now: now, logger: logger)

        var configuration = NodeConfiguration(name: nodeName, identity: identity)
        if let bind = bind ?? environment["BIND"] { configuration.bindHost = bind }
        configuration.advertisedHost = advertise ?? environment["ADVERTISE"]
        if let port = gossipPort ?? environment["GOSSIP_PORT"].flatMap(Int.init) { configuration.gossipPort = port }
        var resp = RESPServerConfiguration()
        if let port = respPort ?? environment["RESP_PORT"].flatMap(Int.init) { resp.port = port }
        if let host = respBind ?? environment["RESP_BIND"] { resp.host = host }
        configuration.resp = resp
        configuration.seeds = join.isEmpty ? (environment["JOIN"]?.split(separator: ",").map(String.init) ?? []) : join
        if noMulticast || environment["NO_MULTICAST"] != nil {
            configuration.multicast = nil
        } else {
            var multicast = MulticastConfiguration()
            multicast.interface = multicastInterface ?? environment["MULTICAST_INTERFACE"]
            if let group = multicastGroup ?? environment["MULTICAST_GROUP"] { multicast.group = group }
            if let port = multicastPort ?? environment["MULTICAST_PORT"].flatMap(Int.init) { multicast.port = port }
            if let ttl = multicastTTL ?? environment["MULTICAST_TTL"].flatMap(UInt8.init) { multicast.ttl = ttl }
            configuration.multicast = multicast
        }

        let node = try await Node(configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: node)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Key files, a passphrase, or (with neither) the open cluster with this node's own key.
    private func makeIdentity(name: String, environment: Environment, now: UInt64, logger: Logger) throws -> NodeIdentity {
        if let directory = clusterDir ?? environment["CLUSTER_DIR"] {
            return try NodeIdentity.files(in: directory, now: now)
        }
        let stored = try storedNodeKey(environment: environment)
        if let words = clusterSecret ?? environment["CLUSTER_SECRET"] {
            let started = Date()
            let identity = try NodeIdentity.passphrase(
                words, clusterName: clusterName ?? environment["CLUSTER_NAME"] ?? "default", name: name,
                keyPair: stored ?? .generate(), isPersistent: stored != nil, now: now)
            logger.info("derived the cluster key from the passphrase in \(Int(Date().timeIntervalSince(started) * 1_000)) ms")
            return identity
        }
        return try NodeIdentity.open(name: name, keyPair: stored ?? .generate(), isPersistent: stored != nil, now: now)
    }

    /// With `--data-dir`, the node keeps its key there (made on first start), so it keeps its id.
    private func storedNodeKey(environment: Environment) throws -> NodeKeyPair? {
        guard let directory = dataDir ?? environment["DATA_DIR"] else { return nil }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + IdentityFiles.nodeKey
        if FileManager.default.fileExists(atPath: path) { return try KeyFile.readNodeKeyPair(from: path) }
        let keyPair = NodeKeyPair.generate()
        try KeyFile.write(secret: keyPair, to: path)
        return keyPair
    }
}

/// `GOSSIPKV_`-prefixed environment variables.
struct Environment {
    private let values = ProcessInfo.processInfo.environment
    subscript(name: String) -> String? { values["GOSSIPKV_" + name] }
}
