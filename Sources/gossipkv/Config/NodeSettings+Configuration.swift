import Foundation
import GossipKVNode
import GossipKVRESP
import GossipKVStorage
import Prometheus

extension NodeSettings {
    /// The metrics port when nothing sets one (DESIGN's constants).
    static let defaultMetricsPort = 7380

    /// Fills `configuration` from merged settings; whatever is absent keeps the library's
    /// default. The identity (name, keys) is the caller's: making it has side effects (key
    /// files, Argon2id). `registry` is what the metrics endpoint renders.
    ///
    /// `dataDirectory` (from `dataDirectory(nodeName:environment:isRoot:)`) turns persistence on
    /// unless `in-memory` is set; nil leaves the configuration in memory.
    func apply(
        to configuration: inout NodeConfiguration, registry: PrometheusCollectorRegistry,
        dataDirectory: String? = nil
    ) {
        if let dataDirectory, bool(.inMemory) != true {
            var storage = StorageConfiguration(directory: dataDirectory)
            if let policy = string(.fsync).flatMap(FsyncPolicy.init(rawValue:)) { storage.fsync = policy }
            storage.repair = bool(.repair) ?? false
            configuration.storage = storage
        } else {
            configuration.storage = nil
        }
        if let bind = string(.bind) { configuration.bindHost = bind }
        configuration.advertisedHost = string(.advertise)
        if let port = int(.gossipPort) { configuration.gossipPort = port }
        var resp = configuration.resp ?? RESPServerConfiguration()
        if let port = int(.respPort) { resp.port = port }
        if let host = string(.respBind) { resp.host = host }
        if let protectedMode = bool(.protectedMode) { resp.protectedMode = protectedMode }
        if let maxClients = int(.maxClients) { resp.maxClients = maxClients }
        // Nothing larger than the cluster can store is worth buffering (RESPLimits(cluster:)).
        resp.limits = RESPLimits(cluster: configuration.gossip.limits)
        configuration.resp = resp
        let metricsPort = int(.metricsPort) ?? Self.defaultMetricsPort
        if metricsPort == 0 {
            configuration.metricsServer = nil
        } else {
            configuration.metricsServer = MetricsServerConfiguration(
                host: string(.metricsBind) ?? "127.0.0.1", port: metricsPort, registry: registry)
        }
        configuration.seeds = list(.join) ?? []
        if bool(.multicast) == false {
            configuration.multicast = nil
        } else {
            var multicast = configuration.multicast ?? MulticastConfiguration()
            multicast.interface = string(.multicastInterface)
            if let group = string(.multicastGroup) { multicast.group = group }
            if let port = int(.multicastPort) { multicast.port = port }
            if let ttl = int(.multicastTTL) { multicast.ttl = UInt8(clamping: ttl) }
            configuration.multicast = multicast
        }
    }

    /// Where the node keeps its key and its data: `data-dir`, else (unless `in-memory`, which
    /// keeps no files at all) the default, `defaultDataDirectory`.
    func dataDirectory(nodeName: String, environment: [String: String], isRoot: Bool) -> String? {
        if let directory = string(.dataDir) { return directory }
        if bool(.inMemory) == true { return nil }
        return Self.defaultDataDirectory(nodeName: nodeName, environment: environment, isRoot: isRoot)
    }

    /// `/var/lib/gossipkv/NAME` for root (a service), else `$XDG_DATA_HOME/gossipkv/NAME`
    /// (`~/.local/share/gossipkv/NAME`): persistent, outside the working directory (so a node
    /// finds its data wherever it is started from), one directory per node name (the lock stops
    /// a second node of the same name on this host).
    static func defaultDataDirectory(nodeName: String, environment: [String: String], isRoot: Bool) -> String
    {
        let safeName = String(
            nodeName.unicodeScalars.map { scalar in
                CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII
                    || "-_.".unicodeScalars.contains(scalar)
                    ? Character(scalar) : "_"
            })
        let name = safeName.hasPrefix(".") ? "_" + safeName : safeName
        if isRoot { return "/var/lib/gossipkv/" + name }
        if let base = environment["XDG_DATA_HOME"], base.hasPrefix("/") { return base + "/gossipkv/" + name }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/gossipkv/" + name
    }
}
