import Foundation
import Yams

/// Reads a `gossipkv node --config FILE`: YAML with one `key: value` line per setting, keys
/// named like the flags (see `config/lan-node.yaml`). Strict on purpose: an unknown key, a
/// repeated key or a value of the wrong shape is an error naming the file, the line and the key,
/// because a misspelt setting that is silently ignored is worse than a node that will not start.
///
/// Values are read from YAML's text, not from its implicit types, so `name: yes` is the name
/// "yes" and `cluster-secret: 0123` keeps its leading zero. Relative `data-dir` and
/// `cluster-dir` paths are taken from the file's directory, so the file means the same wherever
/// the node is started from.
enum ConfigFile {
    /// The most a config file may hold; a real one is a few hundred bytes.
    static let maxBytes = 1 << 20

    static func load(path: String) throws(SettingsError) -> NodeSettings {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maxBytes {
                throw SettingsError.unreadable(
                    path: path, reason: "larger than \(maxBytes) bytes; is it the right file?")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as SettingsError {
            throw error
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: path)
                ? "\(error.localizedDescription)" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, path: path, directory: directory)
    }

    /// Parses a config file's text; `path` names it in errors, `directory` anchors relative paths.
    static func parse(_ text: String, path: String, directory: String? = nil) throws(SettingsError)
        -> NodeSettings
    {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, path: path, text: text)
        } catch {
            throw .syntax(path: path, line: 1, column: 1, problem: "\(error)")
        }
        guard let root else { return NodeSettings() }
        guard case let .mapping(mapping) = root else {
            throw .notAMapping(path: path, line: root.mark?.line ?? 1)
        }
        var settings = NodeSettings()
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 1
            guard case let .scalar(keyScalar) = keyNode, let key = SettingKey(rawValue: keyScalar.string)
            else {
                throw .unknownKey(path: path, line: line, key: keyNode.scalar?.string ?? "(a non-text key)")
            }
            let value = try parseValue(valueNode, key: key, path: path, keyLine: line, directory: directory)
            settings.set(key, value, from: "\(path):\(line)")
        }
        return settings
    }

    private static func parseValue(
        _ node: Node, key: SettingKey, path: String, keyLine: Int, directory: String?
    )
        throws(SettingsError) -> SettingValue
    {
        let line = node.mark?.line ?? keyLine
        switch node {
        case let .scalar(scalar):
            // YAML's null (`key:`, `key: ~`) is a missing value, not the text "null".
            guard !(scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string))
            else {
                throw .invalidFileValue(path: path, line: line, key: key, given: scalar.string)
            }
            guard var value = key.parse(scalar.string) else {
                throw .invalidFileValue(path: path, line: line, key: key, given: scalar.string)
            }
            if key.kind == .path, case let .text(text) = value, !text.hasPrefix("/"), let directory {
                value = .text(
                    URL(fileURLWithPath: text, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
                        .standardized.path)
            }
            return value
        case let .sequence(sequence) where key.kind == .seeds:
            var items: [String] = []
            for item in sequence {
                guard case let .scalar(scalar) = item, key.parseSeeds([scalar.string]) != nil else {
                    throw .invalidFileValue(
                        path: path, line: item.mark?.line ?? line, key: key,
                        given: item.scalar?.string ?? "(a list or table)")
                }
                items.append(scalar.string)
            }
            guard let value = key.parseSeeds(items) else {
                throw .invalidFileValue(path: path, line: line, key: key, given: "[]")
            }
            return value
        default:
            throw .invalidFileValue(path: path, line: line, key: key, given: "(a list or table)")
        }
    }

    /// The line of the second top-level `key:` in `text`: Yams points at the first, but the
    /// repetition is the line to fix.
    private static func repeatedLine(of key: String, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let matches = lines.indices.filter { index in
            let line = lines[index]
            guard line.hasPrefix(key) else { return false }
            return line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }.hasPrefix(":")
        }
        return matches.count > 1 ? matches[1] + 1 : nil
    }

    /// Yams' errors carry a 1-based line and column; keep those and the parser's words.
    private static func syntaxError(_ error: YamlError, path: String, text: String) -> SettingsError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
            let .composer(_, problem, mark, _):
            return .syntax(path: path, line: mark.line, column: mark.column, problem: problem)
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? ""
            return .duplicateKey(
                path: path, line: repeatedLine(of: key, in: text) ?? context.mark.line, key: key)
        case let .reader(problem, offset, _, _):
            let line = offset.map { text.prefix($0).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } } ?? 1
            return .syntax(path: path, line: line, column: 1, problem: problem)
        default:
            return .syntax(path: path, line: 1, column: 1, problem: "\(error)")
        }
    }
}
