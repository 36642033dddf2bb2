import ArgumentParser
import Foundation
import GossipKVCrypto
import GossipKVNode

/// `gossipkv cert`: node certificates.
struct CertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Issue, inspect and revoke node certificates.",
        subcommands: [Issue.self, Show.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a node key and a certificate signed by the cluster key.",
            discussion:
                "Writes OUT/node.key, OUT/node.cert, OUT/cluster.pub and OUT/data.key (the cluster's first "
                + "data key, which encrypts gossip): copy OUT to the machine and run "
                + "`gossipkv node --cluster-dir OUT` there.")

        @Option(
            name: .customLong("cluster-dir"), help: "Directory holding cluster.key (from `gossipkv init`).")
        var clusterDir: String

        @Option(help: "The node's name (1-64 bytes).")
        var name: String

        @Option(help: "Directory to write the node's files to.")
        var out: String

        func run() throws {
            let cluster = try KeyFile.readClusterKeyPair(
                from: clusterDir + "/" + IdentityFiles.clusterSecretKey)
            try CertCommand.makeDirectory(out)
            try KeyFile.write(
                clusterPublicKey: cluster.publicKey, to: out + "/" + IdentityFiles.clusterPublicKey)
            try Self.issue(name: name, cluster: cluster, into: out)
            print("node '\(name)' certified in \(out); run: gossipkv node --cluster-dir \(out)")
        }

        static func issue(name: String, cluster: ClusterKeyPair, into directory: String) throws {
            let keyPair = NodeKeyPair.generate()
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            let certificate = try NodeCertificate.issue(
                nodePublicKey: keyPair.publicKey, name: name, by: cluster, now: now)
            try KeyFile.write(secret: keyPair, to: directory + "/" + IdentityFiles.nodeKey)
            try KeyFile.write(certificate: certificate, to: directory + "/" + IdentityFiles.nodeCertificate)
            try writeDataKey(cluster: cluster, into: directory)
        }

        /// Writes `data.key` (the cluster's first data key) unless the directory has one.
        static func writeDataKey(cluster: ClusterKeyPair, into directory: String) throws {
            let path = directory + "/" + IdentityFiles.dataKey
            guard !FileManager.default.fileExists(atPath: path) else { return }
            try KeyFile.write(secret: cluster.dataKey, to: path)
        }
    }

    /// Creates `path` (and its parents), or fails with a sentence saying which and why.
    static func makeDirectory(_ path: String) throws {
        do {
            // 0700: it holds a node's secret key.
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ValidationErrorText(
                "cannot create the directory \(path) (\(error.localizedDescription)); "
                    + "choose a directory you can write to, or create it first")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a certificate's contents.")

        @Argument(help: "A node.cert file.")
        var path: String

        func run() throws {
            let certificate = try KeyFile.readCertificate(from: path)
            let format = ISO8601DateFormatter()
            func date(_ milliseconds: UInt64) -> String {
                format.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
            }
            print(
                """
                name:        \(certificate.name)
                node id:     \(certificate.nodeID.hex)
                cluster:     \(certificate.cluster)\(certificate.isSelfSigned ? " (open, self-signed)" : "")
                valid:       \(date(certificate.notBefore)) .. \(date(certificate.notAfter))
                """)
        }
    }
}
