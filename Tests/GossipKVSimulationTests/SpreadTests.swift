import GossipKVSimulation
import Testing

@Suite("spread of one write on a healthy cluster")
struct SpreadTests {
    @Test("a single write reaches all of 30 nodes, and an idle cluster sends only summaries")
    func writeReachesEveryNode() async {
        let result = await BackgroundThreads.run { SpreadExperiment.run(nodeCount: 30) }
        #expect(result.millisecondsToReachAll < 120_000)
        #expect(result.rounds > 0)
        // Idle: one summary (envelope + 16 bytes) per node per idle interval, plus the replies
        // to mismatches; nothing near a full sync.
        #expect(result.idleBytesPerNodePerRound > 0)
        #expect(result.idleBytesPerNodePerRound < 1_000)
    }

    @Test("with membership, a write reaches all of 10 nodes, and idle traffic is SWIM's probes and acks")
    func writeReachesEveryNodeWithMembership() async {
        let result = await BackgroundThreads.run { SpreadExperiment.run(nodeCount: 10, membership: true) }
        #expect(result.millisecondsToReachAll < 120_000)
        // Idle: about one ping and one ack per node per probe interval, each an envelope with a
        // few piggybacked member records and the summary; no anti-entropy round.
        #expect(result.idleBytesPerNodePerRound > 100)
        #expect(result.idleBytesPerNodePerRound < 1_500)
    }
}
