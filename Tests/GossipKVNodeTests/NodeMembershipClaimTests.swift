import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// Membership claims from an admitted peer, against real nodes on loopback: a forged death
/// removes nobody, and a SWIM message with a clock beyond the max offset is refused like any
/// other message.
@Suite("membership claims against real nodes", .serialized)
struct NodeMembershipClaimTests {
    typealias Loopback = NodeLoopbackTests

    @Test("a forged dead@UInt64.max update from an admitted peer does not remove a live node")
    func forgedDeathRefused() async throws {
        let a = try await Node(Loopback.configuration("a"), logger: Loopback.quietLogger)
        let b = try await Node(
            Loopback.configuration("b", seeds: [a.gossipPort]), logger: Loopback.quietLogger)
        try await Loopback.withRunning([a, b]) {
            #expect(await Loopback.eventually { await a.members().filter { $0.state == .alive }.count == 2 })
            #expect(await Loopback.eventually { await b.members().filter { $0.state == .alive }.count == 2 })
            var peer = try await NodeRejectionTests.FakePeer(
                identity: try NodeIdentity.open(name: "liar", now: Loopback.now()))
            let peerPort = peer.channel.localAddress?.port ?? 0
            try await peer.send(try peer.announcement(port: peerPort), to: a.gossipPort)
            try await peer.send(try peer.announcement(port: peerPort), to: b.gossipPort)
            #expect(
                await Loopback.eventually {
                    let (onA, onB) = (await a.members().count, await b.members().count)
                    return onA == 3 && onB == 3
                })
            let victim = try #require(await a.members().first { $0.name == "b" })
            let incarnation = victim.incarnation
            let forged = MemberUpdate(id: victim.id, address: victim.address, incarnation: .max, state: .dead)
            // To a, about b; and to b, about itself.
            for (node, port) in [(a, a.gossipPort), (b, b.gossipPort)] {
                let ping = SWIMMessage.ping(sequence: 1, updates: [forged], summary: nil)
                let sealed = try peer.seal(
                    kind: ping.kind, body: try ping.encodedBody(), recipient: node.id,
                    channel: .gossipDatagram)
                try await peer.send(sealed, to: port)
            }
            #expect(
                await Loopback.eventually {
                    a.metrics.rejectionCounts["membership_incarnation_out_of_reach", default: 0] >= 1
                        && b.metrics.rejectionCounts["membership_incarnation_out_of_reach", default: 0] >= 1
                })
            // Give a wrong acceptance time to show: b stays alive to a, near its own incarnation.
            // A loaded machine may let a suspect b for real, and b's refutation then raises its
            // incarnation by one; the forged claim would have raised it to UInt64.max.
            try await Task.sleep(for: .milliseconds(1_500))
            // (A loaded machine may let a suspect b for a moment; the forged death would have
            // made it dead for good.)
            #expect(
                await Loopback.eventually { await a.members().first { $0.id == victim.id }?.state == .alive })
            let nearOwn = { (seen: UInt64?) in
                seen.map { $0 >= incarnation && $0 - incarnation < 16 } ?? false
            }
            #expect(nearOwn(await b.members().first { $0.isSelf }?.incarnation))
            #expect(nearOwn(await a.members().first { $0.id == victim.id }?.incarnation))

            // A SWIM message whose clock is beyond the max offset is refused before the
            // membership sees it, as an anti-entropy message would be.
            let ahead = HLCTimestamp(physical: Loopback.now() + 60_000)
            let ping = SWIMMessage.ping(sequence: 2, updates: [], summary: nil)
            peer.sequence += 1
            let header = EnvelopeHeader(
                kind: ping.kind, cluster: peer.identity.clusterID.rawValue, sender: peer.identity.nodeID,
                recipient: a.id,
                bootEpoch: peer.bootEpoch, channel: .gossipDatagram, sequence: peer.sequence, hlc: ahead)
            let sealed = try Envelope.seal(
                header: header, body: try ping.encodedBody(),
                signer: Ed25519Signer(keyPair: peer.identity.keyPair))
            try await peer.send(sealed, to: a.gossipPort)
            #expect(
                await Loopback.eventually { a.metrics.rejectionCounts["clock_poisoning", default: 0] >= 1 })
            try await peer.channel.close()
        }
    }
}
