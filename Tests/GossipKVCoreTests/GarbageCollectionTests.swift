import GossipKVCore
import Testing

@Suite("garbage collection and the reconcile step")
struct GarbageCollectionTests {
    @Test("after the reconcile step a round moves the watermarks as before")
    func reconcileThenRound() throws {
        var harness = EngineHarness(count: 2, reconciled: false)
        harness.write(1, "a", "1")
        harness.round(from: 2, to: 1)
        #expect(harness.kinds() == [.reconcile, .syncAnswer, .syncAnswer])
        #expect(harness.replica(2)?.map.count == 1)
        harness.delivered.removeAll()
        harness.round(from: 2, to: 1)
        print(harness.kinds())
        #expect(harness.replica(2)?.digest == harness.replica(1)?.digest)
    }
}
