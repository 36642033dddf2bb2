import Foundation
import GossipKVCore
import Testing

@testable import GossipKVCrypto

@Suite("Key and certificate files")
struct KeyFileTests {
    @Test("a node key written then read gives the same key; the file is mode 0600")
    func roundTrip() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/node.key"
        let node = Fixture.node(5)
        try KeyFile.write(secret: node, to: path)
        #expect(try permissions(of: path) == 0o600)
        #expect(try KeyFile.readNodeKeyPair(from: path).publicKey == node.publicKey)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("gossipkv node secret key v1\n"))
        #expect(text.hasSuffix("\n"))

        let clusterPath = directory + "/cluster.key"
        let cluster = Fixture.cluster(6)
        try KeyFile.write(secret: cluster, to: clusterPath)
        #expect(try KeyFile.readClusterKeyPair(from: clusterPath).publicKey == cluster.publicKey)
    }

    @Test("a secret file that group or others can read is refused with the chmod 600 fix")
    func tooPermissive() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/node.key"
        try KeyFile.write(secret: Fixture.node(5), to: path)
        for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
            #expect(chmod(path, mode_t(mode)) == 0)
            let error = #expect(throws: KeyFileError.self) { try KeyFile.readNodeKeyPair(from: path) }
            #expect(error == .tooPermissive(path: path, mode: UInt32(mode)))
            #expect(error?.description.contains("chmod 600 \(path)") == true)
        }
        #expect(chmod(path, 0o400) == 0)
        #expect(try KeyFile.readNodeKeyPair(from: path).publicKey == Fixture.node(5).publicKey)
    }

    @Test("a missing file names the path and how to make one")
    func missing() {
        let path = "/nonexistent-gossipkv-dir/node.key"
        let error = #expect(throws: KeyFileError.self) { try KeyFile.readNodeKeyPair(from: path) }
        #expect(error == .missing(path: path, kind: .nodeSecretKey))
        #expect(error?.description.contains("gossipkv init") == true)
    }

    @Test(
        "malformed files are named as such, with the reason",
        arguments: [
            ("", "the file is empty"),
            ("hello\n", "the first line must be"),
            ("gossipkv node secret key v1\n", "the base64 line after the header is missing"),
            ("gossipkv node secret key v1\n!!!not base64!!!\n", "not valid base64"),
            ("gossipkv node secret key v1\nAAEC\n", "it holds 3 bytes; a node secret key has 32"),
            (
                "gossipkv node secret key v1\n" + String(repeating: "A", count: 44) + "\nextra\n",
                "unexpected lines"
            ),
        ])
    func malformed(contents: String, reason: String) throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/node.key"
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]))
        let error = #expect(throws: KeyFileError.self) { try KeyFile.readNodeKeyPair(from: path) }
        guard case let .malformed(errorPath, kind, message) = error else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(kind == .nodeSecretKey)
        #expect(message.contains(reason))
    }

    @Test("CRLF line ends and blank lines are tolerated")
    func lenientWhitespace() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/node.key"
        try KeyFile.write(secret: Fixture.node(5), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let windows = "\r\n" + text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        try FileManager.default.removeItem(atPath: path)
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(windows.utf8), attributes: [.posixPermissions: 0o600]))
        #expect(try KeyFile.readNodeKeyPair(from: path).publicKey == Fixture.node(5).publicKey)
    }

    @Test("a file of another kind is named by what it holds")
    func wrongKind() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/cluster.key"
        try KeyFile.write(secret: Fixture.cluster(1), to: path)
        #expect(
            throws: KeyFileError.wrongKind(path: path, expected: .nodeSecretKey, found: .clusterSecretKey)
        ) {
            try KeyFile.readNodeKeyPair(from: path)
        }
    }

    @Test("writing a secret never replaces an existing file")
    func noOverwrite() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/cluster.key"
        try KeyFile.write(secret: Fixture.cluster(1), to: path)
        #expect(throws: KeyFileError.alreadyExists(path: path)) {
            try KeyFile.write(secret: Fixture.cluster(2), to: path)
        }
        #expect(try KeyFile.readClusterKeyPair(from: path).publicKey == Fixture.cluster(1).publicKey)
    }

    @Test("a directory or an oversized file is refused")
    func notAFile() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        #expect(throws: KeyFileError.notARegularFile(path: directory)) {
            try KeyFile.readCertificate(from: directory)
        }
        let path = directory + "/big.cert"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 5000)))
        #expect(
            throws: KeyFileError.malformed(
                path: path, kind: .nodeCertificate, reason: "larger than 4096 bytes")
        ) {
            try KeyFile.readCertificate(from: path)
        }
    }

    @Test("certificates and cluster public keys round-trip and may be replaced")
    func publicFiles() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let cluster = Fixture.cluster(1)
        let certificate = try NodeCertificate.issue(
            nodePublicKey: Fixture.node(2).publicKey, name: "node-b", by: cluster, now: Fixture.now)
        let certificatePath = directory + "/node.cert"
        try KeyFile.write(certificate: certificate, to: certificatePath)
        #expect(try KeyFile.readCertificate(from: certificatePath) == certificate)
        let renewed = try NodeCertificate.issue(
            nodePublicKey: Fixture.node(2).publicKey, name: "node-b", by: cluster, now: Fixture.now + 1000)
        try KeyFile.write(certificate: renewed, to: certificatePath)
        #expect(try KeyFile.readCertificate(from: certificatePath) == renewed)

        let keyPath = directory + "/cluster.pub"
        try KeyFile.write(clusterPublicKey: cluster.publicKey, to: keyPath)
        #expect(try KeyFile.readClusterPublicKey(from: keyPath) == cluster.publicKey)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
                "cluster.pub", "node.cert",
            ])
    }

    @Test("key material given other than as a file parses the same way and names its origin")
    func fromMemory() throws {
        let node = Fixture.node(5)
        let contents = KeyFileFormat.encode(secret: node.seed, kind: .nodeSecretKey)
        let seed = try KeyFileFormat.decode(contents, kind: .nodeSecretKey, origin: "GOSSIPKV_NODE_KEY")
        #expect(try NodeKeyPair(seed: seed).publicKey == node.publicKey)
        let tooLong = contents + [UInt8](repeating: 0x20, count: KeyFileFormat.maxFileBytes)
        #expect(
            throws: KeyFileError.malformed(
                path: "GOSSIPKV_NODE_KEY", kind: .nodeSecretKey, reason: "larger than 4096 bytes")
        ) {
            try KeyFileFormat.decode(tooLong, kind: .nodeSecretKey, origin: "GOSSIPKV_NODE_KEY")
        }
    }

    private func permissions(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
