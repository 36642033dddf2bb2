import GossipKVCore
import PropertyBased
import Testing

@Suite("expiry watch")
struct ExpiryWatchTests {
    static func entry(_ key: String, value: String? = "v", expiry: UInt64?) -> Entry {
        Entry(
            key: Array(key.utf8), value: value.map { Array($0.utf8) }, timestamp: HLCTimestamp(physical: 1),
            origin: NodeID(high: 1, low: 1), expiry: expiry.map { HLCTimestamp(physical: $0) })
    }

    @Test("keys come due at their deadline, earliest first, once each")
    func dueOnce() {
        var watch = ExpiryWatch()
        watch.track(Self.entry("b", expiry: 200))
        watch.track(Self.entry("a", expiry: 100))
        watch.track(Self.entry("none", expiry: nil))
        #expect(watch.nextDeadline == HLCTimestamp(physical: 100))
        #expect(watch.due(at: HLCTimestamp(physical: 99)).isEmpty)
        #expect(watch.due(at: HLCTimestamp(physical: 200)) == [Array("a".utf8), Array("b".utf8)])
        #expect(watch.due(at: HLCTimestamp(physical: 300)).isEmpty)
        #expect(watch.pendingCount == 0)
        #expect(watch.nextDeadline == nil)
    }

    @Test("a later write cancels or moves a pending deadline; a read claims it once")
    func overwrites() {
        var watch = ExpiryWatch()
        watch.track(Self.entry("persisted", expiry: 100))
        watch.track(Self.entry("persisted", expiry: nil))
        watch.track(Self.entry("deleted", expiry: 100))
        watch.track(Self.entry("deleted", value: nil, expiry: nil))
        watch.track(Self.entry("moved", expiry: 100))
        watch.track(Self.entry("moved", expiry: 500))
        #expect(watch.due(at: HLCTimestamp(physical: 400)).isEmpty)
        let read = Self.entry("moved", expiry: 500)
        let early = watch.claim(read, at: HLCTimestamp(physical: 499))
        let onTime = watch.claim(read, at: HLCTimestamp(physical: 500))
        let again = watch.claim(read, at: HLCTimestamp(physical: 501))
        #expect(!early && onTime && !again)
        #expect(watch.due(at: HLCTimestamp(physical: 1_000)).isEmpty)
    }

    @Test("a deadline moved again and again does not grow the queue without bound")
    func compaction() {
        var watch = ExpiryWatch()
        for step in 1...10_000 { watch.track(Self.entry("session", expiry: UInt64(1_000 + step))) }
        #expect(watch.pendingCount == 1)
        #expect(watch.queuedCount <= 1_026)
        #expect(watch.due(at: HLCTimestamp(physical: 10_999)).isEmpty)
        #expect(watch.due(at: HLCTimestamp(physical: 11_000)) == [Array("session".utf8)])
    }

    @Test(
        "whatever the writes, each key comes due at most once, and exactly when its last write had a deadline"
    )
    func property() async {
        let write = zip(Gen.int(in: 0...4), Gen.int(in: 0...3))
        await propertyCheck(count: 300, input: write.array(of: 0...40)) { writes in
            var watch = ExpiryWatch()
            var last: [Int: Int] = [:]
            for (key, kind) in writes {
                // kind 0: no deadline, 1: tombstone, 2-3: a deadline of 100 or 200
                let deadline: UInt64? = kind >= 2 ? UInt64(kind - 1) * 100 : nil
                watch.track(Self.entry("k\(key)", value: kind == 1 ? nil : "v", expiry: deadline))
                last[key] = kind
            }
            let due = watch.due(at: HLCTimestamp(physical: 1_000)).map { String(decoding: $0, as: UTF8.self) }
            let expected = last.filter { $0.value >= 2 }.keys.map { "k\($0)" }
            #expect(Set(due) == Set(expected))
            #expect(due.count == Set(due).count)
            #expect(watch.due(at: HLCTimestamp(physical: 2_000)).isEmpty)
        }
    }
}
