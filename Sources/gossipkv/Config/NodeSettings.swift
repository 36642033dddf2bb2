/// The settings of `gossipkv node` from one source (the flags, the `GOSSIPKV_` environment, a
/// config file), or the merge of all three. A key is absent when its source does not set it, so
/// merging can tell "not given" from "given as the default".
struct NodeSettings: Equatable, Sendable {
    private(set) var values: [SettingKey: SettingValue] = [:]
    /// Where each value came from (`--gossip-port`, `GOSSIPKV_GOSSIP_PORT`, `node.yaml:4`), for
    /// messages about contradictions.
    private(set) var origins: [SettingKey: String] = [:]

    init() {}

    subscript(key: SettingKey) -> SettingValue? { values[key] }

    mutating func set(_ key: SettingKey, _ value: SettingValue, from origin: String) {
        values[key] = value
        origins[key] = origin
    }

    mutating func remove(_ key: SettingKey) {
        values[key] = nil
        origins[key] = nil
    }

    func string(_ key: SettingKey) -> String? {
        if case let .text(text) = values[key] { return text }
        return nil
    }

    func int(_ key: SettingKey) -> Int? {
        if case let .number(number) = values[key] { return number }
        return nil
    }

    func bool(_ key: SettingKey) -> Bool? {
        if case let .flag(flag) = values[key] { return flag }
        return nil
    }

    func list(_ key: SettingKey) -> [String]? {
        if case let .list(items) = values[key] { return items }
        return nil
    }

    /// Whether this source turns multicast on or off: `multicast` itself, or a
    /// `multicast-interface`, which implies it.
    var multicastChoice: Bool? {
        bool(.multicast) ?? (values[.multicastInterface] != nil ? true : nil)
    }

    /// Refuses a source that contradicts itself (both identities, or multicast off with an
    /// interface); between sources the higher one simply wins.
    func checkConsistency() throws(SettingsError) {
        for secret in [SettingKey.clusterSecret, .clusterSecretFile]
        where values[secret] != nil && values[.clusterDir] != nil {
            throw .contradiction(
                origins[secret] ?? secret.rawValue, origins[.clusterDir] ?? "cluster-dir",
                advice: "use either a passphrase (\(secret.rawValue)) or key files (cluster-dir), not both")
        }
        if values[.clusterSecret] != nil, values[.clusterSecretFile] != nil {
            throw .contradiction(
                origins[.clusterSecret] ?? "cluster-secret",
                origins[.clusterSecretFile] ?? "cluster-secret-file",
                advice: "give the cluster passphrase one way: cluster-secret or cluster-secret-file")
        }
        if values[.requirepass] != nil, values[.requirepassFile] != nil {
            throw .contradiction(
                origins[.requirepass] ?? "requirepass", origins[.requirepassFile] ?? "requirepass-file",
                advice: "give the clients' password one way: requirepass or requirepass-file")
        }
        if bool(.multicast) == false, values[.multicastInterface] != nil {
            throw .contradiction(
                origins[.multicast] ?? "multicast", origins[.multicastInterface] ?? "multicast-interface",
                advice: "multicast-interface needs multicast; drop one of them")
        }
    }

    /// Merges the sources, highest precedence first: flags > environment > file > defaults
    /// (defaults are whatever stays absent). Three groups move as a unit, so a higher source can
    /// replace a lower one's choice instead of contradicting it: the identity (`cluster-secret`,
    /// `cluster-secret-file` or `cluster-dir`, from the highest source naming either), the clients' password
    /// (`requirepass` or `requirepass-file`, likewise) and multicast on/off (from the highest
    /// source that sets `multicast` or `multicast-interface`).
    static func merged(flags: NodeSettings, environment: NodeSettings, file: NodeSettings)
        throws(SettingsError)
        -> NodeSettings
    {
        let layers = [flags, environment, file]
        for layer in layers { try layer.checkConsistency() }
        var result = NodeSettings()
        for key in SettingKey.allCases {
            guard let layer = layers.first(where: { $0.values[key] != nil }), let value = layer.values[key]
            else { continue }
            result.set(key, value, from: layer.origins[key] ?? key.rawValue)
        }
        for group in [
            [SettingKey.clusterSecret, .clusterSecretFile, .clusterDir], [.requirepass, .requirepassFile],
        ] {
            guard let chosen = layers.first(where: { layer in group.contains { layer.values[$0] != nil } })
            else {
                continue
            }
            for key in group {
                if let value = chosen.values[key] {
                    result.set(key, value, from: chosen.origins[key] ?? key.rawValue)
                } else {
                    result.remove(key)
                }
            }
        }
        if let choice = layers.first(where: { $0.multicastChoice != nil }),
            let enabled = choice.multicastChoice
        {
            result.set(
                .multicast, .flag(enabled),
                from: choice.origins[.multicast] ?? choice.origins[.multicastInterface] ?? "multicast")
            if !enabled { result.remove(.multicastInterface) }
        }
        return result
    }
}
