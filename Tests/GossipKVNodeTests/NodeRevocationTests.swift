import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// `gossipkv cert revoke`: a revoked node's traffic is refused, counted and its member record
/// dropped; a revocation not signed by the cluster key is refused with a clear error.
@Suite("revoked nodes", .serialized)
struct NodeRevocationTests {
    typealias Loopback = NodeLoopbackTests

    static func identity(_ name: String, cluster: ClusterKeyPair) throws -> NodeIdentity {
        let keyPair = NodeKeyPair.generate()
        let certificate = try NodeCertificate.issue(
            nodePublicKey: keyPair.publicKey, name: name, by: cluster, now: Loopback.now())
        return NodeIdentity(
            keyPair: keyPair, certificate: certificate,
            authority: .closed(clusterPublicKey: cluster.publicKey),
            isPersistent: false)
    }

    @Test(
        "after a revocation the node's envelopes and announcements are refused as 'revoked' and it leaves the member list"
    )
    func revokedTrafficIsRefused() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Node(
            Loopback.configuration("a", identity: try Self.identity("a", cluster: cluster)),
            logger: Loopback.quietLogger)
        let b = try await Node(
            Loopback.configuration(
                "b", seeds: [a.gossipPort], identity: try Self.identity("b", cluster: cluster)),
            logger: Loopback.quietLogger)
        let bad = try Self.identity("bad", cluster: cluster)
        let c = try await Node(
            Loopback.configuration("bad", seeds: [a.gossipPort], identity: bad), logger: Loopback.quietLogger)
        try await Loopback.withRunning([a, b, c]) {
            for node in [a, b, c] {
                #expect(
                    await Loopback.eventually {
                        await node.members().filter { $0.state == .alive }.count == 3
                    })
            }
            let list = RevocationList([
                NodeRevocation.issue(revoking: bad.nodeID, by: cluster, now: Loopback.now())
            ])
            #expect(try await a.revoke(list) == [bad.nodeID])
            #expect(try await b.revoke(list) == [bad.nodeID])
            #expect(try await a.revoke(list).isEmpty)  // applying it again changes nothing
            for node in [a, b] {
                #expect(await !node.members().contains { $0.id == bad.nodeID })
            }
            // The revoked node keeps probing and writing: every packet it sends is counted.
            try await c.put("from-bad", "x")
            #expect(await Loopback.eventually { a.metrics.rejectionCounts["revoked", default: 0] > 0 })
            #expect(await Loopback.eventually { b.metrics.rejectionCounts["revoked", default: 0] > 0 })
            try await a.put("from-a", "y")
            #expect(await Loopback.eventually { await b.get("from-a") == "y" })
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(await a.get("from-bad") == nil)
            #expect(await b.get("from-bad") == nil)
            // Gossip from the good members does not bring it back.
            for node in [a, b] {
                #expect(await !node.members().contains { $0.id == bad.nodeID })
            }
        }
    }

    @Test("a node configured with a revocation never admits the revoked node")
    func revokedAtStart() async throws {
        let cluster = ClusterKeyPair.generate()
        let bad = try Self.identity("bad", cluster: cluster)
        var configuration = try Loopback.configuration(
            "a", identity: try Self.identity("a", cluster: cluster))
        configuration.revocations = RevocationList([
            NodeRevocation.issue(revoking: bad.nodeID, by: cluster, now: Loopback.now())
        ])
        let a = try await Node(configuration, logger: Loopback.quietLogger)
        let c = try await Node(
            Loopback.configuration("bad", seeds: [a.gossipPort], identity: bad), logger: Loopback.quietLogger)
        try await Loopback.withRunning([a, c]) {
            #expect(await Loopback.eventually { a.metrics.rejectionCounts["revoked", default: 0] > 0 })
            #expect(await a.members().count == 1)
        }
    }

    @Test(
        "a revocation signed by another key, altered, or for the open cluster is refused with a clear error")
    func badRevocationsAreRefused() async throws {
        let cluster = ClusterKeyPair.generate()
        let stranger = ClusterKeyPair.generate()
        let target = NodeKeyPair.generate().nodeID
        let authority = CertificateAuthority.closed(clusterPublicKey: cluster.publicKey)

        let good = NodeRevocation.issue(revoking: target, by: cluster, now: 1_000)
        #expect(throws: Never.self) { try good.verify(authority: authority) }

        var bytes = good.encoded
        bytes[bytes.count - 1] ^= 0x01
        let forged = try NodeRevocation(encoded: bytes)
        #expect(throws: RevocationError.badSignature(node: target)) {
            try forged.verify(authority: authority)
        }
        #expect(RevocationError.badSignature(node: target).description.contains("bad signature"))

        let foreign = NodeRevocation.issue(revoking: target, by: stranger, now: 1_000)
        #expect(
            throws: RevocationError.wrongCluster(revocation: stranger.clusterID, expected: cluster.clusterID)
        ) {
            try foreign.verify(authority: authority)
        }
        #expect(throws: RevocationError.openCluster) { try good.verify(authority: .open) }

        // A node refuses to start with a list holding a forged line, and says why.
        var configuration = try Loopback.configuration(
            "a", identity: try Self.identity("a", cluster: cluster))
        configuration.revocations = RevocationList([good, forged])
        await #expect(throws: RevocationError.badSignature(node: target)) {
            _ = try await Node(configuration, logger: Loopback.quietLogger)
        }
        let running = try await Node(
            Loopback.configuration("b", identity: try Self.identity("b", cluster: cluster)),
            logger: Loopback.quietLogger)
        await #expect(throws: RevocationError.badSignature(node: target)) {
            try await running.revoke(RevocationList([forged]))
        }
        await running.shutdown()
    }

    @Test("a revocation list round-trips through its text form; bad lines name the file and line")
    func listText() throws {
        let cluster = ClusterKeyPair.generate()
        let revocation = NodeRevocation.issue(revoking: NodeKeyPair.generate().nodeID, by: cluster, now: 42)
        let text =
            RevocationList.header + "\n# a comment\n\n"
            + RevocationList.line(for: revocation, comment: "web2") + "\n"
        let list = try RevocationList(parsing: text, origin: "r.list")
        #expect(list.revocations == [revocation])
        #expect(throws: RevocationError.notARevocationList(origin: "r.list")) {
            try RevocationList(parsing: "hello\n", origin: "r.list")
        }
        #expect(throws: RevocationError.self) {
            try RevocationList(parsing: RevocationList.header + "\nnot base64!\n", origin: "r.list")
        }
        do {
            _ = try RevocationList(parsing: RevocationList.header + "\nAAAA\n", origin: "r.list")
            Issue.record("a short record was accepted")
        } catch {
            #expect(error.description.hasPrefix("r.list:2: not a revocation"))
        }
    }
}
