import ArgumentParser
import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode

extension CertCommand {
    /// `gossipkv cert revoke`: signs revocations with the cluster secret key and appends them to
    /// a revocation list that nodes load with `--revocations FILE`.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke nodes: append records signed by the cluster key to a revocation list.",
            discussion: """
                Copy the list to every machine and run each node with --revocations FILE (it is re-read \
                within 2 s when it changes). Nodes then refuse the revoked nodes' messages (counted as \
                gossipkv_rejects_total{reason="revoked"}) and drop them from their member list. A revoked \
                machine needs a new key and certificate (`gossipkv cert issue`) to rejoin.
                """)

        @Option(
            name: .customLong("cluster-dir"), help: "Directory holding cluster.key (from `gossipkv init`).")
        var clusterDir: String?

        @Option(
            name: .customLong("cluster-secret-file"),
            help: ArgumentHelp(
                "File holding the cluster's passphrase (or set GOSSIPKV_CLUSTER_SECRET).", valueName: "path"))
        var clusterSecretFile: String?

        /// Kept only to refuse with the way to do it now (argv is readable by every local user).
        @Option(name: .customLong("cluster-secret"), help: .hidden)
        var clusterSecret: String?

        @Option(
            name: .customLong("cluster-name"),
            help: "The passphrase cluster's name (as its nodes' --cluster-name).")
        var clusterName: String?

        @Option(help: "The revocation list to append to (created when missing).")
        var out: String

        @Argument(
            help: "A node's certificate file (node.cert) or its full 32-hex-digit id (`gossipkv cert show`).")
        var nodes: [String]

        func validate() throws {
            if clusterSecret != nil {
                throw ValidationError(
                    SettingsError.secretOnCommandLine(
                        flag: "--cluster-secret", instead: ClusterSecretFile.instead
                    )
                    .description)
            }
            guard !nodes.isEmpty else {
                throw ValidationError("name at least one node: its node.cert file or its 32-hex-digit id")
            }
        }

        /// The passphrase from `--cluster-secret-file` or `GOSSIPKV_CLUSTER_SECRET`, if any.
        func passphrase(environment: [String: String]) throws -> String? {
            if let clusterSecretFile { return try ClusterSecretFile.read(clusterSecretFile) }
            return environment[ClusterSecretFile.environmentName].flatMap { $0.isEmpty ? nil : $0 }
        }

        /// Checks what `validate()` cannot (it does not see the environment).
        func checkSources(passphrase: String?) throws {
            guard (clusterDir == nil) != (passphrase == nil) else {
                throw ValidationError(
                    "give the cluster key with exactly one of --cluster-dir DIR (holding cluster.key) or "
                        + "the passphrase (--cluster-secret-file FILE or GOSSIPKV_CLUSTER_SECRET, with --cluster-name)"
                )
            }
        }

        func run() throws {
            let words = try passphrase(environment: ProcessInfo.processInfo.environment)
            try checkSources(passphrase: words)
            let cluster: ClusterKeyPair
            if let clusterDir {
                cluster = try KeyFile.readClusterKeyPair(
                    from: clusterDir + "/" + IdentityFiles.clusterSecretKey)
            } else {
                cluster = try ClusterKeyPair(passphrase: words ?? "", clusterName: clusterName ?? "")
            }
            let targets = try nodes.map(Self.target)
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            var text = ""
            if FileManager.default.fileExists(atPath: out) {
                let existing = try String(contentsOfFile: out, encoding: .utf8)
                // Refuse to append to something that is not a list (or is another cluster's).
                let list = try RevocationList(parsing: existing, origin: out)
                _ = try list.verified(authority: .closed(clusterPublicKey: cluster.publicKey))
                text = existing.hasSuffix("\n") || existing.isEmpty ? existing : existing + "\n"
            } else {
                text = RevocationList.header + "\n"
            }
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1_000))
            for (id, label) in targets {
                let revocation = NodeRevocation.issue(revoking: id, by: cluster, now: now)
                text += RevocationList.line(for: revocation, comment: "\(label), revoked \(stamp)") + "\n"
            }
            try text.write(toFile: out, atomically: true, encoding: .utf8)
            for (id, label) in targets { print("revoked \(label) (\(id.hex))") }
            print("copy \(out) to every node; run them with --revocations \(out)")
        }

        /// A node id from a certificate file or 32 hex digits, with a label for the list.
        static func target(_ argument: String) throws -> (NodeID, String) {
            if FileManager.default.fileExists(atPath: argument) {
                let certificate = try KeyFile.readCertificate(from: argument)
                return (certificate.nodeID, "\(certificate.name) (\(argument))")
            }
            if let id = NodeID(hex: argument) { return (id, "node \(argument.lowercased())") }
            if argument.count == 16, argument.allSatisfy(\.isHexDigit) {
                throw ValidationError(
                    "'\(argument)' is the short id `gossipkv members` shows; revoking needs the full 32-hex-digit "
                        + "id (`gossipkv cert show node.cert`) or the node's certificate file")
            }
            throw ValidationError(
                "'\(argument)' is neither a certificate file nor a 32-hex-digit node id")
        }
    }
}

extension NodeID {
    /// All 16 bytes in hex (`description` shows only the first 8).
    var hex: String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }

    /// Parses 32 hex digits.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 32, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
            else {
                return nil
            }
            bytes.append(byte)
        }
        self.init(bytes: bytes)
    }
}
