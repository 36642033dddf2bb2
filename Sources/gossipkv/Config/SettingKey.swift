import Foundation
import GossipKVCrypto
import GossipKVNode
import GossipKVStorage

/// One setting of `gossipkv node`. Its config-file key is the flag's name without the dashes
/// (`gossip-port` for `--gossip-port`) and its environment variable the key in capitals with a
/// `GOSSIPKV_` prefix (`GOSSIPKV_GOSSIP_PORT`), so an operator learns one name per setting.
enum SettingKey: String, CaseIterable, Sendable, Comparable {
    case name
    case bind
    case advertise
    case gossipPort = "gossip-port"
    case respPort = "resp-port"
    case respBind = "resp-bind"
    /// The clients' password, from the environment (`GOSSIPKV_REQUIREPASS`) or the config file
    /// only: there is deliberately no `--requirepass` flag, since argv is visible to every
    /// local user (`ps`). `requirepass-file` names a file holding it instead.
    case requirepass
    case requirepassFile = "requirepass-file"
    case protectedMode = "protected-mode"
    /// Redis's `maxclients`: connections past it get `-ERR max number of clients reached`.
    case maxClients = "maxclients"
    /// Redis's TLS port and its certificate and key (PEM files).
    case tlsPort = "tls-port"
    case tlsCertFile = "tls-cert-file"
    case tlsKeyFile = "tls-key-file"
    case metricsPort = "metrics-port"
    case metricsBind = "metrics-bind"
    case dataDir = "data-dir"
    case inMemory = "in-memory"
    case fsync
    case repair
    case join
    /// The cluster passphrase, from the environment (`GOSSIPKV_CLUSTER_SECRET`) or the config
    /// file only, like `requirepass`: `--cluster-secret` refuses (argv is in /proc/PID/cmdline).
    case clusterSecret = "cluster-secret"
    case clusterSecretFile = "cluster-secret-file"
    case clusterName = "cluster-name"
    case clusterDir = "cluster-dir"
    case revocations
    case multicast
    case multicastInterface = "multicast-interface"
    case multicastGroup = "multicast-group"
    case multicastPort = "multicast-port"
    case multicastTTL = "multicast-ttl"
    case logLevel = "log-level"

    static func < (lhs: SettingKey, rhs: SettingKey) -> Bool { lhs.rawValue < rhs.rawValue }

    var environmentName: String {
        "GOSSIPKV_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    var flag: String { "--" + rawValue }

    /// Every valid key, for the message about an unknown one.
    static var validKeys: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// What values of a setting look like; decides how text is parsed and what an error says.
    enum Kind: Sendable {
        case text
        /// A directory; relative paths in a config file are taken from the file's directory.
        case path
        case nodeName
        case port
        /// A port where 0 turns the service off.
        case portOrOff
        case ttl
        case boolean
        case seeds
        case logLevel
        case multicastGroup
        case fsyncPolicy
        case clientCount
    }

    var kind: Kind {
        switch self {
        case .name: return .nodeName
        case .bind, .advertise, .respBind, .metricsBind, .clusterSecret, .clusterName, .multicastInterface,
            .requirepass:
            return .text
        case .dataDir, .clusterDir, .revocations, .requirepassFile, .clusterSecretFile, .tlsCertFile,
            .tlsKeyFile:
            return .path
        case .gossipPort, .respPort, .multicastPort, .tlsPort: return .port
        case .metricsPort: return .portOrOff
        case .multicastTTL: return .ttl
        case .multicast, .inMemory, .repair, .protectedMode: return .boolean
        case .fsync: return .fsyncPolicy
        case .maxClients: return .clientCount
        case .join: return .seeds
        case .logLevel: return .logLevel
        case .multicastGroup: return .multicastGroup
        }
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The sentence an invalid value gets, after the setting's name.
    var requirement: String {
        switch kind {
        case .text, .path: return "must not be empty"
        case .nodeName:
            return "must be 1-64 bytes of printable characters (no control, format or bidi characters)"
        case .port: return "must be an integer 1-65535"
        case .portOrOff: return "must be an integer 0-65535 (0 turns the endpoint off)"
        case .ttl: return "must be an integer 1-255"
        case .boolean: return "must be true or false"
        case .seeds: return "must be a list of HOST:PORT gossip addresses (e.g. 10.0.0.5:7377)"
        case .logLevel: return "must be one of " + Self.logLevels.joined(separator: ", ")
        case .multicastGroup: return "must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255)"
        case .fsyncPolicy:
            return "must be one of " + FsyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")
        case .clientCount: return "must be an integer 1-1000000"
        }
    }

    /// Parses one value given as text (an environment variable, a YAML scalar, a flag).
    func parse(_ text: String) -> SettingValue? {
        switch kind {
        case .text, .path:
            return text.isEmpty ? nil : .text(text)
        case .nodeName:
            // The certificate's rule, so a name the flag accepts can be certified.
            return (try? NodeCertificate.validate(name: text)) != nil ? .text(text) : nil
        case .port:
            return Int(text).flatMap { (1...65_535).contains($0) ? .number($0) : nil }
        case .portOrOff:
            return Int(text).flatMap { (0...65_535).contains($0) ? .number($0) : nil }
        case .ttl:
            return Int(text).flatMap { (1...255).contains($0) ? .number($0) : nil }
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .flag(true)
            case "false", "no", "off", "0": return .flag(false)
            default: return nil
            }
        case .seeds:
            return parseSeeds(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        case .logLevel:
            return Self.logLevels.contains(text.lowercased()) ? .text(text.lowercased()) : nil
        case .multicastGroup:
            let octets = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard octets.count == 4, octets.allSatisfy({ $0.map { (0...255).contains($0) } ?? false }),
                let first = octets[0], (224...239).contains(first)
            else { return nil }
            return .text(text)
        case .fsyncPolicy:
            return FsyncPolicy(rawValue: text.lowercased()).map { .text($0.rawValue) }
        case .clientCount:
            return Int(text).flatMap { (1...1_000_000).contains($0) ? .number($0) : nil }
        }
    }

    /// Parses a list of seeds; nil when any is not HOST:PORT.
    func parseSeeds(_ items: [String]) -> SettingValue? {
        guard !items.isEmpty else { return nil }
        for item in items {
            guard (try? HostPort(parsing: item, defaultPort: 7377)) != nil else { return nil }
        }
        return .list(items)
    }
}

/// A parsed setting value.
enum SettingValue: Equatable, Sendable {
    case text(String)
    case number(Int)
    case flag(Bool)
    case list([String])
}
