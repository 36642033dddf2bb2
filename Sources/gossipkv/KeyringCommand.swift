import ArgumentParser
import Foundation
import GossipKVCrypto
import GossipKVNode

/// `gossipkv keyring`: rolls a gossip encryption key through a running cluster, as Serf's
/// `keys` does: `install` the new key on every node, then `use` it, then `remove` the old one.
/// Named `keyring` because `gossipkv keys` lists the store's keys.
///
/// Each subcommand asks the `--node` it is given for the member list, then sends `KEYRING` to
/// every live member at the client address it announced (`client=` in INFO), so a cluster whose
/// RESP ports the operator can reach (`gossipkv cluster`, or `--resp-bind` on a LAN) is changed
/// in one command. A member it cannot reach is reported, and `use` refuses to switch while any
/// member lacks the key: nodes that cannot read the new key would drop everything sent with it.
/// `install` sends the key itself only to members on this machine (loopback) unless told
/// `--allow-remote`: plain RESP would carry it in clear; on other machines run it there with
/// `--this-node-only`. `use` and `remove` carry only key ids.
struct KeyringCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyring", abstract: "List, install, use and remove the keys that encrypt gossip.",
        discussion: """
            Rotate a key without downtime: `gossipkv keyring install --generate` (every node can now read it), \
            `gossipkv keyring use KEYID` (every node now sends with it), `gossipkv keyring remove OLDID`. \
            Each step reaches every live member at its announced RESP address; run `list` to see which nodes lack a key.
            """,
        subcommands: [List.self, Install.self, Use.self, Remove.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every key, where it is primary and which nodes lack it.")
        @OptionGroup var options: NodeAddressOptions

        func run() throws {
            let survey = try KeyringFanout(options: options).survey()
            print(survey.render())
            if !survey.unreachable.isEmpty { throw ExitCode.failure }
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a key on every node (it decrypts at once; `use` makes it encrypt).")
        @Argument(help: "A data key file (`gossipkv cluster data key v1`, mode 0600).")
        var keyFile: String?
        @Flag(help: "Make a fresh random key instead of reading one.")
        var generate = false
        @Option(help: "With --generate: also write the new key to this file (0600), for nodes started later.")
        var out: String?
        @Flag(help: "Install on the --node only, not on every member.")
        var thisNodeOnly = false
        @Flag(
            help: "Also send the key to members on other machines, over plain RESP (in clear on the network)."
        )
        var allowRemote = false
        @OptionGroup var options: NodeAddressOptions

        func validate() throws {
            guard (keyFile == nil) == generate else {
                throw ValidationError("give a KEYFILE or --generate, not both or neither")
            }
            if out != nil, !generate { throw ValidationError("--out only goes with --generate") }
        }

        func run() throws {
            let key = try keyFile.map { try KeyFile.readDataKey(from: $0) } ?? DataKey.generate()
            if let out { try KeyFile.write(secret: key, to: out) }
            let base64 = key.secret.withUnsafeBytes { Data($0).base64EncodedString() }
            let fanout = try KeyringFanout(options: options, thisNodeOnly: thisNodeOnly)
            let results = fanout.each(loopbackOnly: !allowRemote && !thisNodeOnly) {
                try $0.keyringInstall(base64: base64)
            }
            print("key \(key.id)")
            try KeyringFanout.report(results, done: "installed")
        }
    }

    struct Use: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an installed key the one every node encrypts with.")
        @Argument(help: "The key id (8 hex digits, as `list` shows it).")
        var keyID: String
        @Flag(
            help:
                "Switch even when some members lack the key or cannot be reached (they stop hearing the others)."
        )
        var force = false
        @Flag(help: "Switch the --node only (run it on each machine), without checking the other members.")
        var thisNodeOnly = false
        @OptionGroup var options: NodeAddressOptions

        func run() throws {
            let fanout = try KeyringFanout(options: options, thisNodeOnly: thisNodeOnly)
            let survey = fanout.survey()
            let lacking = survey.nodes(lacking: keyID.lowercased())
            if !force, !lacking.isEmpty || !survey.unreachable.isEmpty {
                throw ValidationErrorText(
                    "not switching to \(keyID): "
                        + (lacking.isEmpty
                            ? "" : "\(lacking.joined(separator: ", ")) lack it; install it there first. ")
                        + (survey.unreachable.isEmpty
                            ? "" : "cannot reach \(survey.unreachable.map(\.name).joined(separator: ", ")). ")
                        + "(--force switches anyway)")
            }
            try KeyringFanout.report(
                fanout.each { try $0.keyringChange("USE", keyID: keyID) }, done: "using \(keyID)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a key from every node (refused where it is the primary).")
        @Argument(help: "The key id (8 hex digits, as `list` shows it).")
        var keyID: String
        @Flag(help: "Remove it from the --node only.")
        var thisNodeOnly = false
        @OptionGroup var options: NodeAddressOptions

        func run() throws {
            let fanout = try KeyringFanout(options: options, thisNodeOnly: thisNodeOnly)
            try KeyringFanout.report(
                fanout.each { try $0.keyringChange("REMOVE", keyID: keyID) }, done: "removed")
        }
    }
}
