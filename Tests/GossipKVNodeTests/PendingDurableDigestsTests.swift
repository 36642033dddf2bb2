import GossipKVCore
import Testing

@testable import GossipKVNode

@Suite("logged watermarks waiting for an fsync")
struct PendingDurableDigestsTests {
    static func digest(_ watermark: UInt64) -> Digest {
        var digest = Digest()
        digest.raise(NodeID(high: 1, low: 0), to: HLCTimestamp(physical: watermark))
        return digest
    }

    @Test("under a steady stream, each fsync advances to the newest digest it covers")
    func steadyStreamAdvances() {
        var pending = PendingDurableDigests()
        var advertised: [UInt64] = []
        var durable: UInt64 = 0
        // A digest logged every 10 bytes, an fsync every 35 bytes that covers what was logged
        // 5 bytes before it: a newer digest is always waiting when the fsync lands.
        for step in UInt64(1)...20 {
            pending.logged(Self.digest(step), at: step * 10)
            if step * 10 % 35 < 10 {
                durable = step * 10 - 5
                if let digest = pending.covered(upTo: durable) {
                    advertised.append(digest.watermarks.values.first?.physical ?? 0)
                }
            }
        }
        #expect(advertised == [3, 6, 10, 13, 17])
        #expect(!pending.isEmpty)
        #expect(pending.covered(upTo: 200).map { $0 == Self.digest(20) } == true)
        #expect(pending.isEmpty)
    }

    @Test("nothing is covered before its position is durable; a full list keeps the oldest")
    func boundedAndNeverEarly() {
        var pending = PendingDurableDigests(capacity: 4)
        #expect(pending.covered(upTo: 1_000) == nil)
        for step in UInt64(1)...10 { pending.logged(Self.digest(step), at: step * 10) }
        #expect(pending.pending.count == 4)
        #expect(pending.covered(upTo: 9) == nil)
        // The oldest three stayed: the first fsync past them advances to the third.
        #expect(pending.covered(upTo: 35) == Self.digest(3))
        #expect(pending.covered(upTo: 99) == nil)
        #expect(pending.covered(upTo: 100) == Self.digest(10))
    }
}
