import ArgumentParser
import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVRESP
import GossipKVTLS
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `gossipkv node`: runs one node until SIGINT/SIGTERM, then leaves the cluster cleanly.
/// Every setting comes from, highest first: a flag, a `GOSSIPKV_` environment variable
/// (`--gossip-port` from `GOSSIPKV_GOSSIP_PORT`), the `--config` file (key `gossip-port`), the
/// default. `NodeSettings.merged` is that rule; `NodeSettings.apply` turns the result into a
/// `NodeConfiguration`.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one node (with no options: join the open LAN cluster 'default' by multicast).",
        discussion: """
            Settings come from flags, then GOSSIPKV_* environment variables (GOSSIPKV_GOSSIP_PORT), \
            then --config FILE (YAML, keys named like the flags; see config/lan-node.yaml), then the defaults. \
            Data (and the node key) live in --data-dir, by default /var/lib/gossipkv/NAME as root, else \
            ~/.local/share/gossipkv/NAME; --in-memory keeps none. \
            Metrics and probes: http://127.0.0.1:7380/metrics, /health, /ready.
            """)

    @Option(
        help:
            "YAML file of settings, keys named like the flags (see config/lan-node.yaml); env GOSSIPKV_CONFIG."
    )
    var config: String?

    @Option(help: "Node name shown to other nodes (default: the host name).")
    var name: String?

    @Option(
        help:
            "Address to listen on and advertise (default: listen on all, advertise the multicast interface's)."
    )
    var bind: String?

    @Option(help: "Address (IP or host name) other nodes should use to reach this one.")
    var advertise: String?

    @Option(name: .customLong("gossip-port"), help: "Gossip port, UDP and TCP (default 7377).")
    var gossipPort: Int?

    @Option(name: .customLong("resp-port"), help: "Redis-protocol client port (default 7379).")
    var respPort: Int?

    @Option(
        name: .customLong("resp-bind"), help: "Address the Redis-protocol server binds (default 127.0.0.1).")
    var respBind: String?

    @Option(
        name: .customLong("requirepass-file"),
        help: ArgumentHelp(
            "File holding the password Redis clients must give with AUTH (or set GOSSIPKV_REQUIREPASS).",
            valueName: "path"))
    var requirepassFile: String?

    @Flag(
        name: .customLong("protected-mode"), inversion: .prefixedNo,
        help: "Without a password, refuse Redis clients from other machines (the default).")
    var protectedMode: Bool?

    @Option(
        name: .customLong("maxclients"),
        help:
            "Most Redis clients connected at once; more get -ERR max number of clients reached (default 10000)."
    )
    var maxClients: Int?

    @Option(
        name: .customLong("tls-port"),
        help: "Also serve Redis clients over TLS on this port (with --tls-cert-file and --tls-key-file).")
    var tlsPort: Int?

    @Option(
        name: .customLong("tls-cert-file"),
        help: ArgumentHelp("PEM certificate chain for --tls-port.", valueName: "path"))
    var tlsCertFile: String?

    @Option(
        name: .customLong("tls-key-file"),
        help: ArgumentHelp("PEM private key for --tls-port (keep it 0600).", valueName: "path"))
    var tlsKeyFile: String?

    @Option(
        name: .customLong("metrics-port"),
        help: "HTTP port for /metrics, /health and /ready (default 7380; 0 turns it off).")
    var metricsPort: Int?

    @Option(
        name: .customLong("metrics-bind"), help: "Address the metrics endpoint binds (default 127.0.0.1).")
    var metricsBind: String?

    @Option(
        name: .customLong("data-dir"),
        help:
            "Directory for this node's key and data (default: /var/lib/gossipkv/NAME as root, else ~/.local/share/gossipkv/NAME)."
    )
    var dataDir: String?

    @Option(
        name: .customLong("fsync"),
        help: "When writes reach the disk: always (before OK), batch (every 100 ms; the default) or never.")
    var fsync: String?

    @Flag(
        name: .customLong("repair"),
        help:
            "Cut a damaged record in the middle of the log (and the rest of its segment) instead of refusing to start."
    )
    var repair = false

    @Flag(
        name: .customLong("in-memory"),
        help: "Keep data in memory only (a restart starts empty and refills from peers).")
    var inMemory = false

    @Option(
        name: .customLong("join"),
        help: "HOST:PORT of a node to contact where multicast is blocked; HOST may be a name (repeatable).")
    var join: [String] = []

    @Option(
        name: .customLong("cluster-secret-file"),
        help: ArgumentHelp(
            "Close the cluster: every node derives the cluster key from the words in this file (or set "
                + "GOSSIPKV_CLUSTER_SECRET).", valueName: "path"))
    var clusterSecretFile: String?

    /// Kept only to refuse with the way to do it now (argv is readable by every local user).
    @Option(name: .customLong("cluster-secret"), help: .hidden)
    var clusterSecret: String?

    @Option(
        name: .customLong("cluster-name"),
        help: "The cluster's own name, required with a passphrase (the key-derivation salt; not 'default').")
    var clusterName: String?

    @Option(
        name: .customLong("cluster-dir"),
        help: "Directory with node.key, node.cert and cluster.pub (from `gossipkv init` / `cert issue`).")
    var clusterDir: String?

    @Option(
        help: ArgumentHelp(
            "Revocation list from `gossipkv cert revoke` (re-read when it changes): refuse those nodes.",
            valueName: "file"))
    var revocations: String?

    @Option(name: .customLong("multicast-interface"), help: "Announce and listen on this interface only.")
    var multicastInterface: String?

    @Option(name: .customLong("multicast-group"), help: "Multicast group (default 239.255.77.77).")
    var multicastGroup: String?

    @Option(name: .customLong("multicast-port"), help: "Multicast port (default 7378).")
    var multicastPort: Int?

    @Option(name: .customLong("multicast-ttl"), help: "Multicast TTL (default 1: the local link only).")
    var multicastTTL: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Find nodes by multicast (the default); --no-multicast relies on --join seeds.")
    var multicast: Bool?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    func validate() throws {
        do {
            try flagSettings().checkConsistency()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The settings given as flags (absent when not given), checked like any other source.
    func flagSettings() throws(SettingsError) -> NodeSettings {
        var flags = NodeSettings()
        try flags.setFlag(.name, name)
        try flags.setFlag(.bind, bind)
        try flags.setFlag(.advertise, advertise)
        try flags.setFlag(.gossipPort, gossipPort.map(String.init))
        try flags.setFlag(.respPort, respPort.map(String.init))
        try flags.setFlag(.respBind, respBind)
        try flags.setFlag(.requirepassFile, requirepassFile)
        if let protectedMode {
            flags.set(
                .protectedMode, .flag(protectedMode),
                from: protectedMode ? "--protected-mode" : "--no-protected-mode")
        }
        try flags.setFlag(.maxClients, maxClients.map(String.init))
        try flags.setFlag(.tlsPort, tlsPort.map(String.init))
        try flags.setFlag(.tlsCertFile, tlsCertFile)
        try flags.setFlag(.tlsKeyFile, tlsKeyFile)
        try flags.setFlag(.metricsPort, metricsPort.map(String.init))
        try flags.setFlag(.metricsBind, metricsBind)
        try flags.setFlag(.dataDir, dataDir)
        try flags.setFlag(.fsync, fsync)
        if repair { flags.set(.repair, .flag(true), from: "--repair") }
        if inMemory { flags.set(.inMemory, .flag(true), from: "--in-memory") }
        if !join.isEmpty {
            guard let seeds = SettingKey.join.parseSeeds(join) else {
                throw .invalidFlag(.join, given: join.joined(separator: " "))
            }
            flags.set(.join, seeds, from: "--join")
        }
        if clusterSecret != nil {
            throw .secretOnCommandLine(flag: "--cluster-secret", instead: ClusterSecretFile.instead)
        }
        try flags.setFlag(.clusterSecretFile, clusterSecretFile)
        try flags.setFlag(.clusterName, clusterName)
        try flags.setFlag(.clusterDir, clusterDir)
        try flags.setFlag(.revocations, revocations)
        try flags.setFlag(.multicastInterface, multicastInterface)
        try flags.setFlag(.multicastGroup, multicastGroup)
        try flags.setFlag(.multicastPort, multicastPort.map(String.init))
        try flags.setFlag(.multicastTTL, multicastTTL.map(String.init))
        if let multicast {
            flags.set(.multicast, .flag(multicast), from: multicast ? "--multicast" : "--no-multicast")
        }
        try flags.setFlag(.logLevel, logLevel)
        return flags
    }

    /// Flags over the environment over the config file (`--config`, else `GOSSIPKV_CONFIG`).
    func settings(environment: [String: String]) throws(SettingsError) -> NodeSettings {
        let flags = try flagSettings()
        let fromEnvironment = try NodeSettings.environment(environment)
        let configPath = config ?? environment["GOSSIPKV_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let file =
            try configPath.map { path throws(SettingsError) in try ConfigFile.load(path: path) }
            ?? NodeSettings()
        return try NodeSettings.merged(flags: flags, environment: fromEnvironment, file: file)
    }

    func run() async throws {
        let settings = try settings(environment: ProcessInfo.processInfo.environment)
        // Checked (and the PEM files read) before anything is written: the data directory, the key.
        let tls = try settings.tlsSettings().map { tls in
            RESPTLSConfiguration(
                port: tls.port,
                security: try NIOSSLConnectionSecurity(
                    certificateChainFile: tls.certificateChainFile, privateKeyFile: tls.privateKeyFile))
        }
        let level = settings.string(.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Once per process, here and not in the library: an embedding server owns its metrics.
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A push carries a handful of entries, not thousands (the default buckets).
        factory.valueHistogramBuckets["gossipkv_push_fanout"] = [1, 2, 4, 8, 16, 32, 64, 128]
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "gossipkv")
        let nodeName = settings.string(.name) ?? ProcessInfo.processInfo.hostName
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let dataDirectory = settings.dataDirectory(
            nodeName: nodeName, environment: ProcessInfo.processInfo.environment, isRoot: getuid() == 0)
        let identity = try makeIdentity(
            name: nodeName, settings: settings, dataDirectory: dataDirectory, now: now, logger: logger)

        var configuration = NodeConfiguration(name: nodeName, identity: identity)
        settings.apply(to: &configuration, registry: registry, dataDirectory: dataDirectory)
        configuration.resp?.requirePassword = try settings.clientPassword()
        configuration.resp?.tls = tls
        if configuration.storage == nil {
            logger.notice(
                "data is kept in memory only (--in-memory): a restart starts empty and refills from peers")
        }
        let revocationWatcher = try settings.string(.revocations).map { path in
            let watcher = try RevocationWatcher(path: path, logger: logger)
            configuration.revocations = watcher.initial
            return watcher
        }
        let node: Node
        do {
            node = try await Node(configuration, logger: logger)
        } catch let error as NodeStartError {
            // A plain sentence for the operator instead of a Swift error dump.
            logger.critical("\(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: node)]
        if let revocationWatcher { services.append(.init(service: revocationWatcher.service(for: node))) }
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Key files, a passphrase, or (with neither) the open cluster with this node's own key.
    /// `isPersistent` is true when the key may have been used by an earlier run (loaded from
    /// disk), false when it was made just now: a new key has no history to lose.
    private func makeIdentity(
        name: String, settings: NodeSettings, dataDirectory: String?, now: UInt64, logger: Logger
    )
        throws -> NodeIdentity
    {
        if let directory = settings.string(.clusterDir) {
            return try NodeIdentity.files(in: directory, now: now)
        }
        let words = try settings.clusterSecret()
        let clusterName = settings.string(.clusterName) ?? ""
        // Before the data directory is made and before Argon2id (seconds): a refused name is
        // said at once and leaves nothing behind.
        if words != nil { try ClusterKeyPair.validateClusterName(clusterName) }
        let stored = try storedNodeKey(in: dataDirectory)
        if let words {
            let started = Date()
            let identity = try NodeIdentity.passphrase(
                words, clusterName: clusterName, name: name,
                keyPair: stored?.keyPair ?? .generate(), isPersistent: stored?.loaded ?? false, now: now)
            logger.info(
                "derived the cluster key from the passphrase in \(Int(Date().timeIntervalSince(started) * 1_000)) ms"
            )
            return identity
        }
        return try NodeIdentity.open(
            name: name, keyPair: stored?.keyPair ?? .generate(), isPersistent: stored?.loaded ?? false,
            now: now)
    }

    /// With a data directory, the node keeps its key there (made on first start), so it keeps
    /// its id. `loaded` tells an earlier run's key from one made now.
    private func storedNodeKey(in directory: String?) throws -> (keyPair: NodeKeyPair, loaded: Bool)? {
        guard let directory else { return nil }
        // 0700, as the storage makes it: the node key and the data are this user's alone.
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/" + IdentityFiles.nodeKey
        if FileManager.default.fileExists(atPath: path) {
            return (try KeyFile.readNodeKeyPair(from: path), true)
        }
        let keyPair = NodeKeyPair.generate()
        try KeyFile.write(secret: keyPair, to: path)
        return (keyPair, false)
    }
}
