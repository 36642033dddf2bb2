import Foundation

/// A setting `gossipkv node` cannot use, with where it came from and what to do about it.
enum SettingsError: Error, Equatable, CustomStringConvertible {
    case invalidFlag(SettingKey, given: String)
    case invalidEnvironment(SettingKey, given: String)
    case invalidFileValue(path: String, line: Int, key: SettingKey, given: String)
    case unknownKey(path: String, line: Int, key: String)
    case duplicateKey(path: String, line: Int, key: String)
    case syntax(path: String, line: Int, column: Int, problem: String)
    case notAMapping(path: String, line: Int)
    case unreadable(path: String, reason: String)
    /// The `requirepass-file` cannot be read, or holds no password.
    case passwordFile(path: String, problem: String)
    /// The `cluster-secret-file` cannot be read, or holds no words.
    case clusterSecretFile(path: String, problem: String)
    /// `tls-port` without both PEM files, or a file without the port.
    case incompleteTLS(missing: String)
    /// A secret given on the command line, where every local user can read it.
    case secretOnCommandLine(flag: String, instead: String)
    /// Two settings from one source that cannot both hold, named by their origins.
    case contradiction(String, String, advice: String)

    var description: String {
        switch self {
        case let .invalidFlag(key, given):
            return "\(key.flag) \(key.requirement) (got '\(given)')"
        case let .invalidEnvironment(key, given):
            return "\(key.environmentName) \(key.requirement) (got '\(given)')"
        case let .invalidFileValue(path, line, key, given):
            return "\(path):\(line): \(key.rawValue) \(key.requirement) (got '\(given)')"
        case let .unknownKey(path, line, key):
            let hint = Self.suggestion(for: key).map { " (did you mean '\($0.rawValue)'?)" } ?? ""
            return "\(path):\(line): unknown key '\(key)'\(hint); valid keys: \(SettingKey.validKeys)"
        case let .duplicateKey(path, line, key):
            return "\(path):\(line): key '\(key)' is set more than once; keep one"
        case let .syntax(path, line, column, problem):
            return "\(path):\(line):\(column): not valid YAML: \(problem)"
        case let .notAMapping(path, line):
            return "\(path):\(line): expected 'key: value' lines at the top level (see config/lan-node.yaml)"
        case let .unreadable(path, reason):
            return "cannot read config file \(path): \(reason)"
        case let .passwordFile(path, problem):
            return "requirepass-file \(path): \(problem)"
        case let .clusterSecretFile(path, problem):
            return "cluster-secret-file \(path): \(problem)"
        case let .incompleteTLS(missing):
            return
                "TLS for Redis clients needs tls-port, tls-cert-file and tls-key-file together; \(missing) is "
                + "missing"
        case let .secretOnCommandLine(flag, instead):
            return
                "\(flag) is no longer accepted: a secret on the command line is visible to every local user "
                + "(ps, /proc/PID/cmdline); \(instead)"
        case let .contradiction(first, second, advice):
            return "\(first) and \(second) contradict each other: \(advice)"
        }
    }

    /// The valid key closest to a mistyped one (underscores for dashes, a typo or two).
    static func suggestion(for key: String) -> SettingKey? {
        let normalized = key.lowercased().replacingOccurrences(of: "_", with: "-")
        if let exact = SettingKey(rawValue: normalized) { return exact }
        let scored = SettingKey.allCases.map { ($0, editDistance(normalized, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    /// Levenshtein distance; keys are short, so the quadratic table is fine.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
