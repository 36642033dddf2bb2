import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVNode
import Testing

/// SWIM between real nodes under per-pair MACs (`PairKeyring`), across a restart.
@Suite("pair MACs between loopback nodes", .serialized)
struct NodePairMACTests {
    @Test("two nodes probe each other under pair MACs, keep doing so after one restarts, and refuse none")
    func probesUnderPairMACs() async throws {
        let now = NodeLoopbackTests.now()
        let bIdentity = try NodeIdentity.open(name: "b", now: now)
        let a = try await Node(NodeLoopbackTests.configuration("a"), logger: NodeLoopbackTests.quietLogger)
        let b = try await Node(
            NodeLoopbackTests.configuration("b", seeds: [a.gossipPort], identity: bIdentity),
            logger: NodeLoopbackTests.quietLogger)
        let bPort = b.gossipPort
        try await NodeLoopbackTests.withRunning([a]) {
            try await NodeLoopbackTests.withRunning([b]) {
                #expect(
                    await NodeLoopbackTests.eventually {
                        await a.members().filter { $0.state == .alive }.count == 2
                    })
                // Probes and acks both ways, once each side authenticated the other's run.
                #expect(
                    await NodeLoopbackTests.eventually {
                        a.metrics.pairMACMessagesOut >= 2 && b.metrics.pairMACMessagesOut >= 2
                    })
                try await a.put("k", "v")
                #expect(await NodeLoopbackTests.eventually { await b.get("k") == "v" })
            }
            // b comes back on its port under a new boot epoch: a must learn it before its MACs
            // verify there again, and must not declare b dead meanwhile.
            var configuration = try NodeLoopbackTests.configuration(
                "b", seeds: [a.gossipPort], identity: bIdentity)
            configuration.gossipPort = bPort
            let restarted = try await Node(configuration, logger: NodeLoopbackTests.quietLogger)
            try await NodeLoopbackTests.withRunning([restarted]) {
                #expect(await NodeLoopbackTests.eventually { await restarted.get("k") == "v" })
                let before = a.metrics.pairMACMessagesOut
                #expect(
                    await NodeLoopbackTests.eventually {
                        restarted.metrics.pairMACMessagesOut >= 2
                            && a.metrics.pairMACMessagesOut >= before + 2
                    })
                #expect(
                    await NodeLoopbackTests.eventually {
                        await a.members().filter { $0.state == .alive }.count == 2
                    })
                // A few seconds of probing both ways, with no MAC refused after the restart settled.
                let refused = a.metrics.rejectionCounts["bad_mac", default: 0]
                try await Task.sleep(for: .seconds(3))
                #expect(a.metrics.rejectionCounts["bad_mac", default: 0] == refused)
                #expect(restarted.metrics.rejectionCounts["bad_mac", default: 0] == 0)
                #expect(await a.members().filter { $0.state == .alive }.count == 2)
            }
        }
    }
}
