import ArgumentParser
import GossipKVNode

/// Sends one keyring command to every live member of the cluster `--node` belongs to, at the
/// client address each announced (the asked node itself at `--node`).
struct KeyringFanout {
    struct Target {
        var name: String
        var address: String?
    }

    struct Outcome<Value> {
        var target: Target
        /// What the node answered, or why it did not do it.
        var result: Result<Value, FanoutFailure>
        var failure: String? {
            if case let .failure(reason) = result { return reason.description }
            return nil
        }
    }

    struct FanoutFailure: Error, CustomStringConvertible {
        var description: String
    }

    let options: NodeAddressOptions
    let targets: [Target]

    /// With `thisNodeOnly`, only the node at `--node` (a machine whose RESP port only the local
    /// operator can reach, or a key that must not cross the network).
    init(options: NodeAddressOptions, thisNodeOnly: Bool = false) throws {
        self.options = options
        let asked = try options.address()
        if thisNodeOnly {
            targets = [Target(name: "\(asked.host):\(asked.port)", address: "\(asked.host):\(asked.port)")]
            return
        }
        let info = try options.connect().clusterInfo()
        targets = info.members.filter { $0.state == "alive" || $0.state == "suspect" }.map { member in
            Target(
                name: member.name.isEmpty ? member.id : member.name,
                address: member.isSelf ? "\(asked.host):\(asked.port)" : member.clientAddress)
        }
    }

    /// Runs `body` against every target, in member order. With `loopbackOnly`, a target not on
    /// this machine is skipped with the reason (what `body` sends must not cross the network
    /// on a plain RESP connection).
    func each<Value>(loopbackOnly: Bool = false, _ body: (NodeClient) throws -> Value) -> [Outcome<Value>] {
        targets.map { target in
            guard let address = target.address else {
                return Outcome(
                    target: target,
                    result: .failure(FanoutFailure(description: "its client address is unknown")))
            }
            if loopbackOnly, !Self.isLoopback(address) {
                return Outcome(
                    target: target,
                    result: .failure(
                        FanoutFailure(
                            description:
                                "not sent: the key would cross the network in clear; on that machine run "
                                + "`gossipkv keyring install KEYFILE --this-node-only` (or pass --allow-remote)"
                        )))
            }
            do {
                let parsed = try HostPort(parsing: address, defaultPort: 7379)
                let client = try NodeClient(host: parsed.host, port: parsed.port, timeout: options.timeout)
                if let password = try options.password() { try client.authenticate(password) }
                return Outcome(target: target, result: .success(try body(client)))
            } catch {
                return Outcome(target: target, result: .failure(FanoutFailure(description: "\(error)")))
            }
        }
    }

    /// Whether `address` (`host:port`, `[v6]:port`) names this machine's loopback.
    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address.hasPrefix("[::1]") || address.hasPrefix("localhost:")
            || address.hasPrefix("[0:0:0:0:0:0:0:1]")
    }

    /// Prints one line per node; fails (exit 1) when any node did not do it.
    static func report<Value>(_ outcomes: [Outcome<Value>], done: String) throws {
        for outcome in outcomes {
            print("\(outcome.target.name) (\(outcome.target.address ?? "?")): \(outcome.failure ?? done)")
        }
        if outcomes.contains(where: { $0.failure != nil }) { throw ExitCode.failure }
    }

    /// Every reachable node's keyring, and the nodes that could not be asked.
    struct Survey {
        var reports: [(name: String, report: NodeClient.KeyringReport)]
        var unreachable: [(name: String, reason: String)]

        func nodes(lacking keyID: String) -> [String] {
            reports.filter { !$0.report.keys.contains(keyID) }.map(\.name)
        }

        func render() -> String {
            var lines: [String] = []
            if let plain = reports.first(where: { !$0.report.encrypting }) {
                lines.append(
                    "\(plain.name): gossip is NOT encrypted (open cluster, or closed without a data key)")
            }
            var ids: [String] = []
            for (_, report) in reports { for id in report.keys where !ids.contains(id) { ids.append(id) } }
            var table = TextTable(["KEY", "PRIMARY ON", "INSTALLED ON", "MISSING ON"])
            for id in ids {
                let primary = reports.filter { $0.report.primary == id }.count
                let missing = nodes(lacking: id)
                table.append([
                    id, "\(primary)/\(reports.count)", "\(reports.count - missing.count)/\(reports.count)",
                    missing.isEmpty ? "-" : missing.joined(separator: " "),
                ])
            }
            lines.append(table.render())
            for node in unreachable { lines.append("\(node.name): not asked: \(node.reason)") }
            return lines.joined(separator: "\n")
        }
    }

    func survey() -> Survey {
        var survey = Survey(reports: [], unreachable: [])
        for outcome in each({ try $0.keyringList() }) {
            switch outcome.result {
            case let .success(report): survey.reports.append((outcome.target.name, report))
            case let .failure(reason): survey.unreachable.append((outcome.target.name, reason.description))
            }
        }
        return survey
    }
}
