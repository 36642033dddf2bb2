import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// Issue 13, item 1, against real nodes on loopback: a closed cluster seals every datagram,
/// stream frame and announcement under its data keys; a node without the key reads nothing; a
/// frame under a removed key is refused and counted; a key rolls through a running cluster
/// without losing a write; a restart keeps the keyring.
@Suite("nodes with a keyring", .serialized)
struct NodeKeyringTests {
    typealias Loopback = NodeLoopbackTests
    typealias Hostile = NodeHostileTrafficTests

    /// A closed-cluster identity whose first data key is `dataKey` (nil: the cluster's own).
    static func identity(_ name: String, cluster: ClusterKeyPair, dataKey: DataKey? = nil) throws
        -> NodeIdentity
    {
        let keyPair = NodeKeyPair.generate()
        let certificate = try NodeCertificate.issue(
            nodePublicKey: keyPair.publicKey, name: name, by: cluster, now: Loopback.now())
        return NodeIdentity(
            keyPair: keyPair, certificate: certificate,
            authority: .closed(clusterPublicKey: cluster.publicKey),
            isPersistent: false, dataKey: dataKey ?? cluster.dataKey)
    }

    static func node(_ name: String, cluster: ClusterKeyPair, dataKey: DataKey? = nil, seeds: [Int] = [])
        async throws
        -> Node
    {
        try await Node(
            Loopback.configuration(
                name, seeds: seeds, identity: try identity(name, cluster: cluster, dataKey: dataKey)),
            logger: Loopback.quietLogger)
    }

    static func alive(_ node: Node) async -> Int { await node.members().filter { $0.state == .alive }.count }

    @Test("what a closed node sends is a sealed frame: no node name, no cluster id, no value in clear")
    func wireShowsNoNames() async throws {
        let cluster = ClusterKeyPair.generate()
        let (recorder, sniffer) = try await Hostile.RecordingSocket.bind()
        let port = try #require(sniffer.localAddress?.port)
        let node = try await Self.node("secret-name", cluster: cluster, seeds: [port])
        try await Loopback.withRunning([node]) {
            #expect(await Loopback.eventually { !recorder.received.withLockedValue { $0 }.isEmpty })
        }
        try await sniffer.close()
        let packets = recorder.received.withLockedValue { $0 }
        let clusterID = cluster.clusterID.rawValue
        for packet in packets {
            #expect(packet.first == SealedFrame.marker)
            #expect(!Self.contains(packet, Array("secret-name".utf8)))
            #expect(!Self.contains(packet, [UInt8](clusterID.bytes)))
            #expect(!Self.contains(packet, [UInt8](node.id.bytes)))
            #expect(try cluster.dataKey.id == SealedFrame.parse(packet[...], maxBytes: 1_400).get().keyID)
        }
    }

    @Test(
        "a node holding another data key cannot read the cluster: it never joins, and its frames are refused as unknown_key"
    )
    func nodeWithoutTheKeyReadsNothing() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Self.node("a", cluster: cluster)
        let b = try await Self.node("b", cluster: cluster, seeds: [a.gossipPort])
        let outsider = try await Self.node(
            "outsider", cluster: cluster, dataKey: DataKey.generate(), seeds: [a.gossipPort])
        try await Loopback.withRunning([a, b, outsider]) {
            #expect(await Loopback.eventually { await Self.alive(a) == 2 })
            #expect(await Loopback.eventually { await Self.alive(b) == 2 })
            try await a.put("k", "secret value")
            #expect(await Loopback.eventually { await b.get("k") == "secret value" })
            #expect(await Loopback.eventually { a.metrics.rejectionCounts["unknown_key", default: 0] > 0 })
            try await Task.sleep(for: .milliseconds(500))
            #expect(await outsider.get("k") == nil)
            #expect(await Self.alive(outsider) == 1)
            #expect(await !a.members().contains { $0.name == "outsider" })
        }
    }

    @Test("a value larger than a datagram crosses a sealed stream (handshake and frames encrypted)")
    func largeValueOverSealedStream() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Self.node("a", cluster: cluster)
        let b = try await Self.node("b", cluster: cluster, seeds: [a.gossipPort])
        try await Loopback.withRunning([a, b]) {
            #expect(await Loopback.eventually { await Self.alive(b) == 2 })
            let big = [UInt8](repeating: 0x5A, count: 200_000)
            try await a.put(Array("big".utf8), big)
            #expect(await Loopback.eventually { await b.get(Array("big".utf8)) == big })
            #expect(
                b.metrics.rejectionCounts.keys.filter { $0.contains("seal") || $0 == "unknown_key" }.isEmpty)
        }
    }

    @Test("a frame sealed under a key is refused as unknown_key once that key is removed, and counted")
    func removedKeyIsRefused() async throws {
        let cluster = ClusterKeyPair.generate()
        let node = try await Self.node("target", cluster: cluster)
        let old = DataKeyring(primary: cluster.dataKey)
        let (_, attacker) = try await Hostile.RecordingSocket.bind()
        try await Loopback.withRunning([node]) {
            // Under an installed key, the frame opens and its envelope is judged (malformed).
            try await Hostile.send(old.seal([1, 2, 3]), from: attacker, to: node.gossipPort)
            #expect(await Loopback.eventually { node.metrics.rejectionCounts["malformed", default: 0] == 1 })
            let new = DataKey.generate()
            try await node.installKey(new)
            try await node.useKey(new.id)
            try await node.removeKey(cluster.dataKey.id)
            #expect(
                await node.keyringState() == KeyringState(encrypting: true, primary: new.id, keys: [new.id]))
            for _ in 0..<3 {
                try await Hostile.send(old.seal([1, 2, 3]), from: attacker, to: node.gossipPort)
            }
            #expect(
                await Loopback.eventually { node.metrics.rejectionCounts["unknown_key", default: 0] == 3 })
            #expect(node.metrics.rejectionCounts["malformed", default: 0] == 1)
            // A plain envelope is refused before anything else.
            try await Hostile.send(
                [Envelope.currentVersion] + [UInt8](repeating: 0, count: 100), from: attacker,
                to: node.gossipPort)
            #expect(await Loopback.eventually { node.metrics.rejectionCounts["not_sealed", default: 0] == 1 })
        }
        try await attacker.close()
    }

    @Test(
        "a key rolled through a running 3-node cluster (install, use, remove) loses none of a write every 10 ms"
    )
    func rotationLosesNoWrite() async throws {
        let cluster = ClusterKeyPair.generate()
        let a = try await Self.node("a", cluster: cluster)
        let b = try await Self.node("b", cluster: cluster, seeds: [a.gossipPort])
        let c = try await Self.node("c", cluster: cluster, seeds: [a.gossipPort])
        let nodes = [a, b, c]
        try await Loopback.withRunning(nodes) {
            for node in nodes { #expect(await Loopback.eventually { await Self.alive(node) == 3 }) }
            let progress = WriteProgress()
            let writer = Task { () -> Int in
                var written = 0
                while !Task.isCancelled {
                    let target = nodes[written % 3]
                    do {
                        try await target.put("w\(written)", "\(written)")
                        written += 1
                        await progress.advance()
                    } catch {
                        return -1
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return written
            }
            // Each step waits for writes, not for time: a loaded machine writes slower, and
            // every step must have writes in flight around it.
            #expect(await progress.waitFor(50))
            let new = DataKey.generate()
            for node in nodes { try await node.installKey(new) }
            #expect(await progress.waitFor(30))
            for node in nodes {
                try await node.useKey(new.id)
                #expect(await progress.waitFor(10))
            }
            #expect(await progress.waitFor(30))
            for node in nodes { try await node.removeKey(cluster.dataKey.id) }
            #expect(await progress.waitFor(50))
            writer.cancel()
            let written = await writer.value
            #expect(written >= 190)
            for node in nodes {
                #expect(
                    await Loopback.eventually {
                        for index in 0..<written where await node.get("w\(index)") != "\(index)" {
                            return false
                        }
                        return true
                    })
                #expect(await node.keyringState().keys == [new.id])
                #expect(node.metrics.rejectionCounts["unknown_key", default: 0] == 0)
                #expect(node.metrics.rejectionCounts["bad_seal", default: 0] == 0)
                #expect(await Self.alive(node) == 3)
            }
        }
    }

    @Test("a restarted node keeps its keyring from the data directory (0600), not the cluster's first key")
    func restartKeepsTheKeyring() async throws {
        let cluster = ClusterKeyPair.generate()
        let directory = NodeStorageTests.temporaryDirectory("keyring")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = try Self.identity("a", cluster: cluster)
        let new = DataKey.generate()
        let first = try await Node(
            NodeStorageTests.configuration("a", identity: identity, directory: directory),
            logger: Loopback.quietLogger)
        try await Loopback.withRunning([first]) {
            try await first.installKey(new)
            try await first.useKey(new.id)
            try await first.removeKey(cluster.dataKey.id)
        }
        let path = directory + "/" + Node.keyringFileName
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let second = try await Node(
            NodeStorageTests.configuration(
                "a", identity: NodeStorageTests.reloaded(identity), directory: directory),
            logger: Loopback.quietLogger)
        #expect(
            await second.keyringState() == KeyringState(encrypting: true, primary: new.id, keys: [new.id]))
        try await Loopback.withRunning([second]) {}
    }

    @Test("an open cluster has no keyring: it says it sends in clear and refuses keyring changes")
    func openClusterSendsInClear() async throws {
        let node = try await Node(Loopback.configuration("open"), logger: Loopback.quietLogger)
        #expect(await node.keyringState() == KeyringState(encrypting: false, primary: nil, keys: []))
        await #expect(throws: KeyringError.encryptionOff) { try await node.installKey(DataKey.generate()) }
        try await Loopback.withRunning([node]) {}
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }
}

/// How many writes the rotation test's writer has made, so each step can wait for more.
private actor WriteProgress {
    private(set) var count = 0

    func advance() { count += 1 }

    /// Waits until `more` writes beyond the current count were made (false if they never were).
    nonisolated func waitFor(_ more: Int) async -> Bool {
        let target = await count + more
        return await NodeLoopbackTests.eventually { await self.count >= target }
    }
}
