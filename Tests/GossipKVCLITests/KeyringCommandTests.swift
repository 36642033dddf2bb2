import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import GossipKVRESP
import Testing

@testable import gossipkv

/// `gossipkv keyring` against a running closed 3-node cluster in this process: a key installed,
/// used and removed through one node's address reaches every member; `use` refuses while a
/// member lacks the key; `list` names the nodes that lack one.
@Suite("gossipkv keyring against running nodes", .serialized)
struct KeyringCommandTests {
    static func node(_ name: String, cluster: ClusterKeyPair, seeds: [Int] = []) async throws -> Node {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let keyPair = NodeKeyPair.generate()
        let certificate = try NodeCertificate.issue(
            nodePublicKey: keyPair.publicKey, name: name, by: cluster, now: now)
        let identity = NodeIdentity(
            keyPair: keyPair, certificate: certificate,
            authority: .closed(clusterPublicKey: cluster.publicKey),
            isPersistent: false, dataKey: cluster.dataKey)
        return try await ClientCommandTests.node(name, seeds: seeds, identity: identity)
    }

    static func eventually(_ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    @Test("install --generate, use and remove roll a key through every member from one node's address")
    func rollThroughTheCluster() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Self.node("a", cluster: cluster)
        let b = try await Self.node("b", cluster: cluster, seeds: [a.gossipPort])
        let c = try await Self.node("c", cluster: cluster, seeds: [a.gossipPort])
        let nodes = [a, b, c]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-keyring-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyPath = directory + "/new.key"
        let address = ["--node", "127.0.0.1:\(try #require(a.respPort))"]
        try await ClientCommandTests.withRunning(nodes) {
            for node in nodes {
                #expect(
                    await Self.eventually { await node.members().filter { $0.state == .alive }.count == 3 })
            }
            try await ClientCommandTests.blocking {
                try KeyringCommand.Install.parse(["--generate", "--out", keyPath] + address).run()
            }
            let new = try KeyFile.readDataKey(from: keyPath)
            for node in nodes { #expect(await node.keyringState().keys == [cluster.dataKey.id, new.id]) }
            let survey = try await ClientCommandTests.blocking {
                try KeyringFanout(options: NodeAddressOptions.parse(address)).survey()
            }
            #expect(survey.reports.count == 3)
            #expect(survey.unreachable.isEmpty)
            #expect(survey.nodes(lacking: new.id.description).isEmpty)
            try await ClientCommandTests.blocking {
                try KeyringCommand.Use.parse([new.id.description] + address).run()
            }
            try await ClientCommandTests.blocking {
                try KeyringCommand.Remove.parse([cluster.dataKey.id.description] + address).run()
            }
            for node in nodes {
                #expect(
                    await node.keyringState()
                        == KeyringState(encrypting: true, primary: new.id, keys: [new.id]))
            }
            try await a.put("after", "rotation")
            #expect(await Self.eventually { await c.get("after") == "rotation" })
        }
    }

    @Test("use refuses while a member lacks the key, and list names that member")
    func useRefusesWhileAMemberLacksTheKey() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Self.node("a", cluster: cluster)
        let b = try await Self.node("b", cluster: cluster, seeds: [a.gossipPort])
        let address = ["--node", "127.0.0.1:\(try #require(a.respPort))"]
        try await ClientCommandTests.withRunning([a, b]) {
            #expect(await Self.eventually { await b.members().filter { $0.state == .alive }.count == 2 })
            let partial = DataKey.generate()
            try await a.installKey(partial)
            let survey = try await ClientCommandTests.blocking {
                try KeyringFanout(options: NodeAddressOptions.parse(address)).survey()
            }
            #expect(survey.nodes(lacking: partial.id.description) == ["b"])
            #expect(survey.render().contains("MISSING ON"))
            let refusal = await #expect(throws: ValidationErrorText.self) {
                try await ClientCommandTests.blocking {
                    try KeyringCommand.Use.parse([partial.id.description] + address).run()
                }
            }
            #expect(refusal?.description.contains("b lack it") == true)
            #expect(await a.keyringState().primary == cluster.dataKey.id)
        }
    }

    @Test(
        "INFO cluster says whether gossip is encrypted: the keyring of a closed node, 'in clear' for an open one"
    )
    func infoShowsEncryption() async throws {
        let cluster = ClusterKeyPair.generate()
        let closed = try await Self.node("closed", cluster: cluster)
        let open = try await ClientCommandTests.node("open")
        try await ClientCommandTests.withRunning([closed, open]) {
            let (closedInfo, openInfo) = try await ClientCommandTests.blocking {
                (
                    try ClientCommandTests.client(closed).clusterInfo(),
                    try ClientCommandTests.client(open).clusterInfo()
                )
            }
            #expect(closedInfo.fields["encryption"] == "xchacha20poly1305")
            #expect(closedInfo.fields["keyring_primary"] == cluster.dataKey.id.description)
            #expect(closedInfo.fields["keyring_keys"] == cluster.dataKey.id.description)
            #expect(openInfo.fields["encryption"] == "off (open cluster: in clear)")
            #expect(openInfo.fields["keyring_primary"] == "none")
        }
    }

    @Test("install sends key material to members on this machine only: other hosts are told to run it there")
    func keyStaysOnLoopback() {
        #expect(KeyringFanout.isLoopback("127.0.0.1:7001"))
        #expect(KeyringFanout.isLoopback("[::1]:7001"))
        #expect(!KeyringFanout.isLoopback("10.0.0.5:7379"))
        #expect(!KeyringFanout.isLoopback("[fe80:0:0:0:0:0:0:1]:7379"))
    }
}
