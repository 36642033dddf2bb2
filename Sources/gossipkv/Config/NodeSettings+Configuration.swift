import GossipKVNode
import GossipKVRESP
import Prometheus

extension NodeSettings {
    /// The metrics port when nothing sets one (DESIGN's constants).
    static let defaultMetricsPort = 7380

    /// Fills `configuration` from merged settings; whatever is absent keeps the library's
    /// default. The identity (name, keys) is the caller's: making it has side effects (key
    /// files, Argon2id). `registry` is what the metrics endpoint renders.
    func apply(to configuration: inout NodeConfiguration, registry: PrometheusCollectorRegistry) {
        if let bind = string(.bind) { configuration.bindHost = bind }
        configuration.advertisedHost = string(.advertise)
        if let port = int(.gossipPort) { configuration.gossipPort = port }
        var resp = configuration.resp ?? RESPServerConfiguration()
        if let port = int(.respPort) { resp.port = port }
        if let host = string(.respBind) { resp.host = host }
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
}
