import Foundation
import GossipKVCrypto
import GossipKVNode
import Logging
import ServiceLifecycle

/// `--revocations FILE`: the list is read before the node starts (a list that does not parse
/// or verify stops the node with the reason), then re-read every 2 seconds when its size or
/// modification time changed, so an operator revokes a node by updating the list on one machine
/// or more, without restarts: the node gossips what is new to every member (`Node.revoke`). A new
/// list that fails keeps the previous one and logs why.
struct RevocationWatcher: Sendable {
    let path: String
    let initial: RevocationList
    let logger: Logger

    init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        self.initial = try Self.read(path)
    }

    static func read(_ path: String) throws -> RevocationList {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationErrorText(
                "the revocation list \(path) does not exist; write one with "
                    + "`gossipkv cert revoke --cluster-dir DIR --out \(path) NODE` and copy it here")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationErrorText(
                "cannot read the revocation list \(path): \(error.localizedDescription); "
                    + "write one with `gossipkv cert revoke --cluster-dir DIR --out \(path) NODE`")
        }
        return try RevocationList(parsing: text, origin: path)
    }

    /// What tells a changed file apart: size and modification time.
    private static func stamp(_ path: String) -> [String]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return ["\(attributes[.size] ?? 0)", "\(attributes[.modificationDate] ?? "")"]
    }

    func service(for node: Node) -> some Service { Watch(watcher: self, node: node) }

    private struct Watch: Service {
        let watcher: RevocationWatcher
        let node: Node

        func run() async throws {
            let initial = RevocationWatcher.stamp(watcher.path)
            do {
                try await cancelWhenGracefulShutdown {
                    var last = initial
                    while true {
                        try await Task.sleep(for: .seconds(2))
                        let current = RevocationWatcher.stamp(watcher.path)
                        guard current != last else { continue }
                        last = current
                        do {
                            let list = try RevocationWatcher.read(watcher.path)
                            let added = try await node.revoke(list)
                            watcher.logger.info(
                                "re-read \(watcher.path): \(added.count) newly revoked node(s)")
                        } catch {
                            watcher.logger.error("keeping the previous revocations: \(error)")
                        }
                    }
                }
            } catch is CancellationError {
                return
            }
        }
    }
}

/// An error whose text is the whole message.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
