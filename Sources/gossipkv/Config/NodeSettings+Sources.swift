extension NodeSettings {
    /// The `GOSSIPKV_*` variables of `environment`. An empty variable counts as unset (what
    /// `docker run -e NAME=` and unit files produce); a list (`GOSSIPKV_JOIN`) is comma-separated.
    /// `GOSSIPKV_NO_MULTICAST` (any value but `0` or `false`) is kept from before
    /// `GOSSIPKV_MULTICAST` existed.
    static func environment(_ environment: [String: String]) throws(SettingsError) -> NodeSettings {
        var settings = NodeSettings()
        for key in SettingKey.allCases {
            guard let text = environment[key.environmentName], !text.isEmpty else { continue }
            guard let value = key.parse(text) else { throw .invalidEnvironment(key, given: text) }
            settings.set(key, value, from: key.environmentName)
        }
        if settings[.multicast] == nil, let legacy = environment["GOSSIPKV_NO_MULTICAST"], !legacy.isEmpty,
            !["0", "false"].contains(legacy.lowercased())
        {
            settings.set(.multicast, .flag(false), from: "GOSSIPKV_NO_MULTICAST")
        }
        return settings
    }

    /// Sets `key` from a command-line flag's text, with the flag's name in the error.
    mutating func setFlag(_ key: SettingKey, _ text: String?) throws(SettingsError) {
        guard let text else { return }
        guard let value = key.parse(text) else { throw .invalidFlag(key, given: text) }
        set(key, value, from: key.flag)
    }
}
