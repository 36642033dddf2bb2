import ArgumentParser
import Foundation

/// `gossipkv status [--watch]`: one node's keys, state hash, clock and its peers' lag; with
/// `--watch`, redrawn every second until Ctrl-C (and kept trying while the node is away, so
/// a restart can be watched).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a node's keys, state hash, clock and peers' lag.",
        discussion:
            "Equal state hashes on two nodes mean they hold the same map. --watch refreshes every second until Ctrl-C."
    )

    @OptionGroup var options: NodeAddressOptions

    @Flag(help: "Refresh every second until Ctrl-C.")
    var watch = false

    func run() throws {
        guard watch else {
            print(Self.render(try options.connect().clusterInfo()))
            return
        }
        let clear = isatty(STDOUT_FILENO) != 0 ? "\u{1B}[H\u{1B}[2J" : ""
        var client: NodeClient?
        while true {
            let text: String
            do {
                let current = try client ?? options.connect()
                client = current
                text = Self.render(try current.clusterInfo())
            } catch {
                client = nil
                text = "\(error)\n(retrying every second; Ctrl-C to stop)"
            }
            FileHandle.standardOutput.write(Data((clear + text + "\n\n").utf8))
            Thread.sleep(forTimeInterval: 1)
        }
    }

    static func render(_ info: ClusterInfo) -> String {
        var lines = [
            "node:        \(info.nodeName) (\(info.nodeID))",
            "keys:        \(info.liveKeys)"
                + (info.entries.map { " (\($0) entries with tombstones and expired)" } ?? ""),
            "state hash:  \(info.stateHash)",
            "hlc:         \(info.hlc)" + Self.clockNote(info.hlcPhysicalMilliseconds),
            "members:     \(info.members.count) (\(info.members.filter { $0.state == "alive" }.count) alive)",
        ]
        if let origin = info.origin, let epoch = info.dataEpoch {
            lines.insert("origin:      \(origin) (data epoch \(epoch))", at: 1)
        }
        let peers = info.members.filter { !$0.isSelf }
        if !peers.isEmpty {
            var table = TextTable(["PEER", "STATE", "LAG"])
            for peer in peers {
                table.append([peer.name.isEmpty ? peer.id : peer.name, peer.state, peer.lagDescription])
            }
            lines += ["", table.render()]
        }
        return lines.joined(separator: "\n")
    }

    /// The HLC's wall-clock part as a date; a clock that never ticked (no write or message yet)
    /// says so rather than showing 1970.
    static func clockNote(_ milliseconds: Int?) -> String {
        guard let milliseconds else { return "" }
        return milliseconds == 0 ? "  (no write or message yet)" : "  (\(format(milliseconds: milliseconds)))"
    }

    static func format(milliseconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
    }
}
