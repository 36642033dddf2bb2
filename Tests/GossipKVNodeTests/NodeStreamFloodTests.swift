import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import NIOCore
import NIOPosix
import Testing

/// Issue 13's connection flood: hundreds of TCP connections each announcing a 16 MiB frame and
/// sending part of it, or a plausible handshake length and then nothing. The node buffers a few
/// hundred bytes per connection at most, caps and times out the pending ones, counts every
/// close by reason, and keeps serving clients, gossip, and its members' streams.
@Suite("a node under a stream connection flood", .serialized)
struct NodeStreamFloodTests {
    static func connect(to port: Int, sending bytes: [UInt8]) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        return channel
    }

    @Test("16 MiB length prefixes are closed before buffering; stalled handshakes are capped and timed out")
    func connectionFlood() async throws {
        try await NodeLoopbackTests.withTwoFormed { a, b in
            var oversized: [UInt8] = [0x01, 0x00, 0x00, 0x00]  // 16 MiB
            oversized += [UInt8](repeating: 0x41, count: 64 * 1024)
            let stalled: [UInt8] = [0x00, 0x00, 0x00, 0x80] + [UInt8](repeating: 0x42, count: 10)
            var flood: [any Channel] = []
            for index in 0..<300 {
                // Refused connections may fail to connect or to write: that is the point.
                if let channel = try? await Self.connect(
                    to: a.gossipPort, sending: index % 2 == 0 ? oversized : stalled)
                {
                    flood.append(channel)
                }
            }
            let limits = StreamLimits()
            // Every oversized opening is closed as such, before its frame is read.
            #expect(
                await NodeLoopbackTests.eventually {
                    let closes = a.metrics.streamCloseCounts
                    return closes["handshake_oversize", default: 0] + closes["cap_pending_source", default: 0]
                        >= 250
                })
            let closes = a.metrics.streamCloseCounts
            #expect(closes["handshake_oversize", default: 0] > 0)
            #expect(closes["cap_pending_source", default: 0] > 0)
            #expect(a.gossipStreamCounts.pending <= limits.pendingPerSource)
            // Clients and gossip are served while the stalled connections hang on.
            try await a.put("during", "flood")
            #expect(await a.get("during") == "flood")
            #expect(await NodeLoopbackTests.eventually { await b.get("during") == "flood" })
            // The stalled ones are closed at the handshake deadline.
            #expect(
                await NodeLoopbackTests.eventually {
                    a.metrics.streamCloseCounts["handshake_timeout", default: 0] > 0
                        && a.gossipStreamCounts.pending == 0
                })
            for channel in flood { try? await channel.close() }
            // A member's stream still opens with its handshake and carries a 200 KB value.
            let big = [UInt8](repeating: 0x5A, count: 200_000)
            try await b.put(Array("big".utf8), big)
            #expect(await NodeLoopbackTests.eventually { await a.get(Array("big".utf8)) == big })
            #expect(a.gossipStreamCounts.established >= 1)
        }
    }

    @Test("a stream whose handshake is signed by a stranger, or whose frame names another sender, is closed")
    func forgedHandshakes() async throws {
        let a = try await Node(NodeLoopbackTests.configuration("a"), logger: NodeLoopbackTests.quietLogger)
        try await NodeLoopbackTests.withRunning([a]) {
            let stranger = try NodeIdentity.open(name: "stranger", now: NodeLoopbackTests.now())
            let handshake = try StreamHandshake.signed(
                cluster: stranger.clusterID.rawValue, recipient: a.id, bootEpoch: HLCTimestamp(rawValue: 1),
                sequence: 1,
                keyPair: stranger.keyPair
            ).encoded()
            let framed = [0, 0, 0, UInt8(handshake.count)] + handshake
            let channel = try await Self.connect(to: a.gossipPort, sending: framed)
            #expect(
                await NodeLoopbackTests.eventually {
                    a.metrics.streamCloseCounts["handshake_unknown_sender", default: 0] == 1
                })
            try? await channel.closeFuture.get()
            // An admitted member's handshake opens the stream; a frame claiming another sender
            // then closes it.
            var peer = try await NodeRejectionTests.FakePeer(
                identity: try NodeIdentity.open(name: "peer", now: NodeLoopbackTests.now()))
            try await peer.send(
                try peer.announcement(port: peer.channel.localAddress?.port ?? 0), to: a.gossipPort)
            #expect(await NodeLoopbackTests.eventually { await a.members().count == 2 })
            let genuine = try StreamHandshake.signed(
                cluster: peer.identity.clusterID.rawValue, recipient: a.id,
                bootEpoch: HLCTimestamp(rawValue: 1),
                sequence: 1, keyPair: peer.identity.keyPair
            ).encoded()
            var other = try await NodeRejectionTests.FakePeer(
                identity: try NodeIdentity.open(name: "other", now: NodeLoopbackTests.now()))
            let envelope = try other.seal(
                kind: .push, body: [0, 0, 0, 0, 0], recipient: a.id, channel: .stream)
            let stream = try await Self.connect(
                to: a.gossipPort,
                sending: [0, 0, 0, UInt8(genuine.count)] + genuine + [0, 0, 0, UInt8(envelope.count)]
                    + envelope)
            #expect(
                await NodeLoopbackTests.eventually {
                    a.metrics.streamCloseCounts["sender_mismatch", default: 0] == 1
                })
            try? await stream.closeFuture.get()
            #expect(await NodeLoopbackTests.eventually { a.gossipStreamCounts == (0, 0) })
            try await peer.channel.close()
            try await other.channel.close()
        }
    }
}
