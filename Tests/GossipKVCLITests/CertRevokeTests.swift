import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import TestSupport
import Testing

@testable import gossipkv

/// `gossipkv cert revoke` as an operator runs it: key files in, a revocation list out.
@Suite("cert revoke", .ownThreads, .serialized)
struct CertRevokeTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-revoke-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("revoking by certificate file and by full id appends verifiable lines to one list")
    func revokeAppends() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = ClusterKeyPair.generate()
        try KeyFile.write(secret: cluster, to: directory + "/" + IdentityFiles.clusterSecretKey)
        try FileManager.default.createDirectory(
            atPath: directory + "/web2-dir", withIntermediateDirectories: true)
        try CertCommand.Issue.issue(name: "web2", cluster: cluster, into: directory + "/web2-dir")
        let certificate = try KeyFile.readCertificate(
            from: directory + "/web2-dir/" + IdentityFiles.nodeCertificate)
        let other = NodeKeyPair.generate().nodeID
        let out = directory + "/revoked.list"

        let first = try CertCommand.Revoke.parse([
            "--cluster-dir", directory, "--out", out,
            directory + "/web2-dir/" + IdentityFiles.nodeCertificate,
        ])
        try first.run()
        let second = try CertCommand.Revoke.parse(["--cluster-dir", directory, "--out", out, other.hex])
        try second.run()

        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix(RevocationList.header + "\n"))
        #expect(text.contains("# web2 ("))
        let list = try RevocationList(parsing: text, origin: out)
        let revoked = try list.verified(authority: .closed(clusterPublicKey: cluster.publicKey))
        #expect(revoked == [certificate.nodeID, other])
        // Another cluster's key cannot append to (or be mixed into) this list.
        let foreign = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        try KeyFile.write(
            secret: ClusterKeyPair.generate(), to: foreign + "/" + IdentityFiles.clusterSecretKey)
        let mixed = try CertCommand.Revoke.parse(["--cluster-dir", foreign, "--out", out, other.hex])
        #expect(throws: RevocationError.self) { try mixed.run() }
    }

    @Test("a short id, a bad id, or no cluster key gets a sentence saying what to give instead")
    func badArguments() throws {
        do {
            _ = try CertCommand.Revoke.target("0123456789abcdef")
            Issue.record("a 16-digit id was accepted")
        } catch {
            #expect("\(error)".contains("full 32-hex-digit id"))
        }
        #expect(throws: (any Error).self) { try CertCommand.Revoke.target("zz") }
        let keyless = try CertCommand.Revoke.parse(["--out", "x", "0123"])
        #expect(throws: (any Error).self) { try keyless.checkSources(passphrase: nil) }
        do {
            _ = try CertCommand.Revoke.parse(["--cluster-secret", "words", "--out", "x", "0123"])
            Issue.record("a passphrase on the command line was accepted")
        } catch {
            let message = CertCommand.Revoke.message(for: error)
            #expect(message.contains("--cluster-secret-file FILE"))
            #expect(message.contains("GOSSIPKV_CLUSTER_SECRET"))
        }
        let id = NodeKeyPair.generate().nodeID
        #expect(NodeID(hex: id.hex) == id)
        #expect(id.hex.count == 32)
    }

    @Test("a passphrase cluster can revoke too: the list verifies under the derived key")
    func passphraseCluster() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/r.list"
        let id = NodeKeyPair.generate().nodeID
        let secretFile = directory + "/secret"
        try "correct horse\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let defaultName = try CertCommand.Revoke.parse([
            "--cluster-secret-file", secretFile, "--cluster-name", "default", "--out", out, id.hex,
        ])
        #expect(throws: KeyError.defaultClusterName) { try defaultName.run() }
        let command = try CertCommand.Revoke.parse([
            "--cluster-secret-file", secretFile, "--cluster-name", "lab", "--out", out, id.hex,
        ])
        try command.run()
        let key = try ClusterKeyPair(passphrase: "correct horse", clusterName: "lab")
        let list = try RevocationList(parsing: try String(contentsOfFile: out, encoding: .utf8), origin: out)
        #expect(try list.verified(authority: .closed(clusterPublicKey: key.publicKey)) == [id])
    }
}
