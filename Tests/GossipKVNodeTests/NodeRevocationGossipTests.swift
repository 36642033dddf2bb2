import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// Revocation that gossips (issue 13): a revocation given to one node reaches every member,
/// removes the revoked node's entries everywhere (whoever relays them), outlives restarts, and
/// no fresh certificate for the revoked key is admitted again.
@Suite("revocation by gossip", .serialized)
struct NodeRevocationGossipTests {
    typealias Loopback = NodeLoopbackTests
    typealias Storage = NodeStorageTests

    /// A node running in the background until `stop`.
    struct Running {
        let node: Node
        let task: Task<Void, any Error>

        init(_ node: Node) {
            self.node = node
            self.task = Task { try await node.run() }
        }

        func stop() async {
            await node.shutdown()
            _ = await task.result
        }
    }

    static func start(_ configuration: NodeConfiguration) async throws -> Running {
        Running(try await Node(configuration, logger: Loopback.quietLogger))
    }

    static func alive(_ node: Node, count: Int) async -> Bool {
        await Loopback.eventually { await node.members().filter { $0.state == .alive }.count == count }
    }

    @Test(
        "a revoked node's writes, relayed by a node that never saw the revocation file, leave and stay off every node; a node started later learns it"
    )
    func relayedWritesAreRefusedEverywhere() async throws {
        let cluster = ClusterKeyPair.generate()
        let badIdentity = try NodeRevocationTests.identity("bad", cluster: cluster)
        let b = try await Self.start(
            Loopback.configuration("b", identity: try NodeRevocationTests.identity("b", cluster: cluster)))
        let bad = try await Self.start(
            Loopback.configuration("bad", seeds: [b.node.gossipPort], identity: badIdentity))
        var running = [b, bad]
        do {
            #expect(await Self.alive(b.node, count: 2))
            try await bad.node.put("before", "x")
            #expect(await Loopback.eventually { await b.node.get("before") == "x" })

            // Only a holds the revocation (as if only its machine got the file); b relays.
            var configurationA = try Loopback.configuration(
                "a", seeds: [b.node.gossipPort],
                identity: try NodeRevocationTests.identity("a", cluster: cluster))
            configurationA.revocations = RevocationList([
                NodeRevocation.issue(revoking: badIdentity.nodeID, by: cluster, now: Loopback.now())
            ])
            let a = try await Self.start(configurationA)
            running.append(a)
            #expect(await Loopback.eventually { await b.node.revokedNodes == [badIdentity.nodeID] })
            for node in [a.node, b.node] {
                #expect(await Loopback.eventually { await node.get("before") == nil })
                #expect(
                    await Loopback.eventually {
                        await !node.members().contains { $0.id == badIdentity.nodeID }
                    })
            }
            try await bad.node.put("after", "y")
            try await a.node.put("from-a", "z")
            #expect(await Loopback.eventually { await b.node.get("from-a") == "z" })
            try await Task.sleep(for: .milliseconds(1_500))
            for node in [a.node, b.node] {
                #expect(await node.get("after") == nil)
                #expect(await node.get("before") == nil)
            }

            // A node that was not there learns the revocation from the members it joins.
            let c = try await Self.start(
                Loopback.configuration(
                    "c", seeds: [b.node.gossipPort],
                    identity: try NodeRevocationTests.identity("c", cluster: cluster)))
            running.append(c)
            #expect(await Loopback.eventually { await c.node.revokedNodes == [badIdentity.nodeID] })
            #expect(await Loopback.eventually { await c.node.get("from-a") == "z" })
            #expect(await c.node.get("before") == nil)
            #expect(await c.node.get("after") == nil)
        } catch {
            for node in running { await node.stop() }
            throw error
        }
        for node in running { await node.stop() }
    }

    @Test("after a revocation, the same key with a freshly issued certificate is never admitted again")
    func readmissionIsRefused() async throws {
        let cluster = ClusterKeyPair.generate()
        let badIdentity = try NodeRevocationTests.identity("bad", cluster: cluster)
        let a = try await Self.start(
            Loopback.configuration("a", identity: try NodeRevocationTests.identity("a", cluster: cluster)))
        let b = try await Self.start(
            Loopback.configuration(
                "b", seeds: [a.node.gossipPort],
                identity: try NodeRevocationTests.identity("b", cluster: cluster)))
        var running = [a, b]
        do {
            #expect(await Self.alive(b.node, count: 2))
            let list = RevocationList([
                NodeRevocation.issue(revoking: badIdentity.nodeID, by: cluster, now: Loopback.now())
            ])
            #expect(try await a.node.revoke(list) == [badIdentity.nodeID])
            #expect(await Loopback.eventually { await b.node.revokedNodes == [badIdentity.nodeID] })

            // The revoked machine comes back with a new certificate for the same key.
            let fresh = try NodeCertificate.issue(
                nodePublicKey: badIdentity.keyPair.publicKey, name: "bad-again", by: cluster,
                now: Loopback.now())
            let again = NodeIdentity(
                keyPair: badIdentity.keyPair, certificate: fresh,
                authority: .closed(clusterPublicKey: cluster.publicKey),
                isPersistent: false)
            let bad = try await Self.start(
                Loopback.configuration(
                    "bad-again", seeds: [a.node.gossipPort, b.node.gossipPort], identity: again))
            running.append(bad)
            try await bad.node.put("readmitted", "x")
            #expect(await Loopback.eventually { a.node.metrics.rejectionCounts["revoked", default: 0] > 0 })
            #expect(await Loopback.eventually { b.node.metrics.rejectionCounts["revoked", default: 0] > 0 })
            try await Task.sleep(for: .milliseconds(1_500))
            for node in [a.node, b.node] {
                #expect(await !node.members().contains { $0.id == badIdentity.nodeID })
                #expect(await node.get("readmitted") == nil)
            }
        } catch {
            for node in running { await node.stop() }
            throw error
        }
        for node in running { await node.stop() }
    }

    @Test(
        "a revocation learned by gossip survives a restart with no revocation file, and the revoked node's logged entries stay dropped"
    )
    func revocationSurvivesRestart() async throws {
        let cluster = ClusterKeyPair.generate()
        let directory = Storage.temporaryDirectory("revocation")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let badIdentity = try NodeRevocationTests.identity("bad", cluster: cluster)
        let identityB = Storage.reloaded(try NodeRevocationTests.identity("b", cluster: cluster))
        let a = try await Self.start(
            Loopback.configuration("a", identity: try NodeRevocationTests.identity("a", cluster: cluster)))
        var b = try await Self.start(
            Storage.configuration("b", identity: identityB, directory: directory, seeds: [a.node.gossipPort]))
        var bad = try await Self.start(
            Loopback.configuration("bad", seeds: [a.node.gossipPort], identity: badIdentity))
        var running = [a, b, bad]
        do {
            #expect(await Self.alive(b.node, count: 3))
            try await bad.node.put("logged", "x")
            #expect(await Loopback.eventually { await b.node.get("logged") == "x" })
            let list = RevocationList([
                NodeRevocation.issue(revoking: badIdentity.nodeID, by: cluster, now: Loopback.now())
            ])
            try await a.node.revoke(list)
            #expect(await Loopback.eventually { await b.node.revokedNodes == [badIdentity.nodeID] })
            #expect(await Loopback.eventually { await b.node.get("logged") == nil })

            await b.stop()
            running.removeAll { $0.node === b.node }
            b = try await Self.start(
                Storage.configuration(
                    "b", identity: identityB, directory: directory, seeds: [a.node.gossipPort]))
            running.append(b)
            #expect(await b.node.revokedNodes == [badIdentity.nodeID])
            #expect(await b.node.get("logged") == nil)
            #expect(await Self.alive(b.node, count: 2))
            // The revoked node, restarted and pointed at the restarted b, is refused.
            await bad.stop()
            running.removeAll { $0.node === bad.node }
            bad = try await Self.start(
                Loopback.configuration("bad", seeds: [b.node.gossipPort], identity: badIdentity))
            running.append(bad)
            #expect(await Loopback.eventually { b.node.metrics.rejectionCounts["revoked", default: 0] > 0 })
            #expect(await !b.node.members().contains { $0.id == badIdentity.nodeID })
            #expect(await b.node.get("logged") == nil)
        } catch {
            for node in running { await node.stop() }
            throw error
        }
        for node in running { await node.stop() }
    }

    @Test(
        "a node does not start on a damaged revocation state in its data directory, and says which file and line"
    )
    func damagedStateStopsTheNode() async throws {
        let cluster = ClusterKeyPair.generate()
        let directory = Storage.temporaryDirectory("revocation-damaged")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let identity = Storage.reloaded(try NodeRevocationTests.identity("a", cluster: cluster))
        let target = NodeKeyPair.generate().nodeID
        var forged = NodeRevocation.issue(revoking: target, by: cluster, now: Loopback.now()).encoded
        forged[forged.count - 1] ^= 1
        let list = RevocationList.header + "\n" + Data(forged).base64EncodedString() + "\n"
        try list.write(toFile: directory + "/revocations", atomically: true, encoding: .utf8)
        await #expect(throws: RevocationError.badSignature(node: target)) {
            _ = try await Node(
                Storage.configuration("a", identity: identity, directory: directory),
                logger: Loopback.quietLogger)
        }

        let good = NodeRevocation.issue(revoking: target, by: cluster, now: Loopback.now())
        try (RevocationList.header + "\n" + RevocationList.line(for: good, comment: "x") + "\n")
            .write(toFile: directory + "/revocations", atomically: true, encoding: .utf8)
        try "gossipkv revoked origins v1\nnot-hex 12\n".write(
            toFile: directory + "/revoked-origins", atomically: true, encoding: .utf8)
        do {
            _ = try await Node(
                Storage.configuration("a", identity: identity, directory: directory),
                logger: Loopback.quietLogger)
            Issue.record("a node started on a malformed revoked-origins file")
        } catch let error as RevocationError {
            #expect(error.description.hasPrefix(directory + "/revoked-origins:2: not a revocation"))
        }
    }
}
