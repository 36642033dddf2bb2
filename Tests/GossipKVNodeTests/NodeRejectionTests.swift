import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import NIOCore
import NIOPosix
import Testing

/// Hostile and broken traffic against a real node: each drop is counted by reason and the node
/// keeps serving.
@Suite("a node under bad traffic", .serialized)
struct NodeRejectionTests {
    /// A raw UDP socket playing a peer, with its own certified identity.
    struct FakePeer {
        let channel: any Channel
        let identity: NodeIdentity
        var sequence: UInt64 = 0
        let bootEpoch = HLCTimestamp(physical: UInt64(Date().timeIntervalSince1970 * 1_000))

        init(identity: NodeIdentity) async throws {
            self.identity = identity
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0).get()
        }

        /// Seals what `send` sends under its identity's data key, as a closed cluster's node does
        /// (nil for an open identity: sent in clear).
        var keyring: DataKeyring? { identity.dataKey.map { DataKeyring(primary: $0) } }

        func send(_ bytes: [UInt8], to port: Int) async throws {
            let bytes = keyring?.seal(bytes) ?? bytes
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            try await channel.writeAndFlush(
                AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)))
        }

        mutating func seal(kind: MessageKind, body: [UInt8], recipient: NodeID, channel wire: WireChannel)
            throws -> [UInt8]
        {
            sequence += 1
            let header = EnvelopeHeader(
                kind: kind, cluster: identity.clusterID.rawValue, sender: identity.nodeID,
                recipient: recipient,
                bootEpoch: bootEpoch, channel: wire, sequence: sequence,
                hlc: HLCTimestamp(physical: UInt64(Date().timeIntervalSince1970 * 1_000)))
            return try Envelope.seal(
                header: header, body: body, signer: Ed25519Signer(keyPair: identity.keyPair))
        }

        mutating func announcement(port: Int) throws -> [UInt8] {
            let address = MemberAddress(host: .ipv4(0x7F00_0001), gossipPort: UInt16(port), clientPort: 0)
            let body = try Announcement(
                certificate: identity.certificate.encoded, address: address, wantsReply: false, members: []
            ).encoded()
            return try seal(kind: .announcement, body: body, recipient: .zero, channel: .multicast)
        }
    }

    @Test("tampered, replayed, unknown-sender and garbage datagrams are counted and change nothing")
    func badDatagramsAreCounted() async throws {
        let node = try await Node(
            NodeLoopbackTests.configuration("target"), logger: NodeLoopbackTests.quietLogger)
        try await NodeLoopbackTests.withRunning([node]) {
            let now = UInt64(Date().timeIntervalSince1970 * 1_000)
            var peer = try await FakePeer(identity: try NodeIdentity.open(name: "peer", now: now))
            let localPort = peer.channel.localAddress?.port ?? 0
            // An unknown sender: a push before any announcement.
            let entry = Entry(
                key: Array("k".utf8), value: Array("v".utf8), timestamp: HLCTimestamp(physical: now),
                origin: peer.identity.nodeID)
            let push = GossipMessage.push(
                Push(hops: 1, items: [Push.Item(entry: entry, previousTimestamp: nil)]))
            let early = try peer.seal(
                kind: .push, body: try push.encodedBody(), recipient: node.id, channel: .gossipDatagram)
            try await peer.send(early, to: node.gossipPort)
            #expect(
                await NodeLoopbackTests.eventually {
                    node.metrics.rejectionCounts["unknown_sender", default: 0] >= 1
                })

            try await peer.send(try peer.announcement(port: localPort), to: node.gossipPort)
            #expect(await NodeLoopbackTests.eventually { await node.members().count == 2 })
            // An old-style reconcile opening (kind 6) is answered as a bucket exchange: with both
            // maps empty it changes nothing, and the push below is what must land.
            let opening = GossipMessage.reconcile(
                Reconcile(syncID: 1, digest: Digest(), hashes: Array(repeating: 0, count: 256)))
            try await peer.send(
                try peer.seal(
                    kind: .reconcile, body: try opening.encodedBody(), recipient: node.id,
                    channel: .gossipDatagram),
                to: node.gossipPort)

            let valid = try peer.seal(
                kind: .push, body: try push.encodedBody(), recipient: node.id, channel: .gossipDatagram)
            var tampered = valid
            tampered[tampered.count - 100] ^= 0x01
            try await peer.send(tampered, to: node.gossipPort)
            #expect(
                await NodeLoopbackTests.eventually {
                    node.metrics.rejectionCounts["bad_signature", default: 0] >= 1
                })
            #expect(await node.get("k") == nil)

            try await peer.send(valid, to: node.gossipPort)
            #expect(await NodeLoopbackTests.eventually { await node.get("k") == "v" })
            try await peer.send(valid, to: node.gossipPort)
            #expect(
                await NodeLoopbackTests.eventually { node.metrics.rejectionCounts["replay", default: 0] >= 1 }
            )

            try await peer.send(Array(repeating: 0xFF, count: 300), to: node.gossipPort)
            try await peer.send([], to: node.gossipPort)
            #expect(
                await NodeLoopbackTests.eventually {
                    node.metrics.rejectionCounts["malformed", default: 0] >= 1
                })
            try await node.put("still", "serving")
            #expect(await node.get("still") == "serving")
            try await peer.channel.close()
        }
    }

    @Test("a node certified by another cluster key is never admitted, and its announcements are counted")
    func foreignCertificateRefused() async throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let ours = try NodeIdentity.passphrase(
            "our words", clusterName: "test", cost: .testing, name: "ours", now: now)
        let node = try await Node(
            NodeLoopbackTests.configuration("ours", identity: ours), logger: NodeLoopbackTests.quietLogger)
        try await NodeLoopbackTests.withRunning([node]) {
            // Same cluster id on the envelope, but a certificate signed by another cluster key.
            let foreign = try NodeIdentity.passphrase(
                "their words", clusterName: "test", cost: .testing, name: "theirs", now: now)
            let forged = NodeIdentity(
                keyPair: foreign.keyPair, certificate: foreign.certificate, authority: ours.authority,
                isPersistent: false,
                dataKey: ours.dataKey)
            var peer = try await FakePeer(identity: forged)
            try await peer.send(
                try peer.announcement(port: peer.channel.localAddress?.port ?? 0), to: node.gossipPort)
            var other = try await FakePeer(identity: foreign)
            try await other.send(
                try other.announcement(port: other.channel.localAddress?.port ?? 0), to: node.gossipPort)
            // `forged` seals under our data key (it holds our cluster's `data.key` but not a
            // certificate of ours): its certificate is refused. `other` seals under its own
            // cluster's data key: refused by key id before anything else is read.
            #expect(
                await NodeLoopbackTests.eventually {
                    let counts = node.metrics.rejectionCounts
                    return counts.keys.contains { $0.hasPrefix("certificate_") }
                        && counts["unknown_key", default: 0] >= 1
                })
            #expect(await node.members().count == 1)
            try await peer.channel.close()
            try await other.channel.close()
        }
    }
}
