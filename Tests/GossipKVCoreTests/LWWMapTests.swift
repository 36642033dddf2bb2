import PropertyBased
import Testing

@testable import GossipKVCore

@Suite("LWWMap")
struct LWWMapTests {
    static let threeMaps = zip(TestData.entries, TestData.entries, TestData.entries)

    @Test("merge is commutative on random maps with tombstones, expiries and ties")
    func mergeIsCommutative() async {
        await propertyCheck(count: 400, input: zip(TestData.entries, TestData.entries)) { left, right in
            let a = LWWMap.merging(left)
            let b = LWWMap.merging(right)
            expectSameState(a.merged(with: b), b.merged(with: a))
        }
    }

    @Test("merge is associative on random maps with tombstones, expiries and ties")
    func mergeIsAssociative() async {
        await propertyCheck(count: 300, input: Self.threeMaps) { first, second, third in
            let a = LWWMap.merging(first)
            let b = LWWMap.merging(second)
            let c = LWWMap.merging(third)
            expectSameState(a.merged(with: b).merged(with: c), a.merged(with: b.merged(with: c)))
        }
    }

    @Test("merge is idempotent: merging a map, or any of its entries, into itself changes nothing")
    func mergeIsIdempotent() async {
        await propertyCheck(count: 300, input: TestData.entries) { entries in
            let a = LWWMap.merging(entries)
            expectSameState(a.merged(with: a), a)
            var again = a
            for entry in entries {
                let outcome = again.merge(entry)
                #expect(outcome == .unchanged)
            }
            expectSameState(again, a)
        }
    }

    @Test("any order and any repetition of arrivals gives the per-key greatest entry under wins(over:)")
    func arrivalOrderDoesNotMatter() async {
        await propertyCheck(count: 300, input: zip(TestData.entries, Gen.int(in: 0...Int.max))) {
            entries, seed in
            var generator = SplitMix64(seed: UInt64(seed))
            var shuffled = entries + entries.prefix(5)
            shuffled.shuffle(using: &generator)
            let inOrder = LWWMap.merging(entries)
            let reordered = LWWMap.merging(shuffled)
            expectSameState(inOrder, reordered)
            #expect(inOrder.sortedEntries() == winners(of: entries))
            for entry in winners(of: entries) {
                #expect(inOrder.entry(forKey: entry.key) == entry)
            }
        }
    }

    @Test("merge reports inserted, replaced with the previous entry, or unchanged")
    func mergeOutcomes() {
        let origin = TestData.origins[0]
        let older = Entry(key: [1], value: [1], timestamp: TestData.timestamp(1), origin: origin)
        let newer = Entry(key: [1], value: nil, timestamp: TestData.timestamp(2), origin: origin)
        var map = LWWMap()
        #expect(map.merge(older) == .inserted)
        #expect(map.merge(newer) == .replaced(previous: older))
        #expect(map.merge(older) == .unchanged)
        #expect(map.merge(newer) == .unchanged)
        #expect(map.entry(forKey: [1]) == newer)
        #expect(map.count == 1)
    }

    @Test(
        "equal timestamps: the greater origin wins, then the greater value, and a tombstone loses to any value"
    )
    func tieBreaks() {
        let timestamp = TestData.timestamp(4)
        let (low, high) = (NodeID(high: 1, low: 0), NodeID(high: 2, low: 0))
        func entry(_ value: [UInt8]?, _ origin: NodeID, expiry: HLCTimestamp? = nil) -> Entry {
            Entry(key: [7], value: value, timestamp: timestamp, origin: origin, expiry: expiry)
        }
        #expect(entry([0], high).wins(over: entry([9], low)))
        #expect(entry([2], low).wins(over: entry([1, 9], low)))
        #expect(entry([1, 0], low).wins(over: entry([1], low)))
        #expect(entry([], low).wins(over: entry(nil, low)))
        #expect(entry([1], low, expiry: TestData.expiry(1)).wins(over: entry([1], low)))
        #expect(!entry([1], low).wins(over: entry([1], low)))
        // The same outcome whichever arrives first.
        for (first, second) in [(entry([1], low), entry([2], low)), (entry([2], low), entry([1], low))] {
            var map = LWWMap()
            map.merge(first)
            map.merge(second)
            #expect(map.entry(forKey: [7])?.value == [2])
        }
    }

    @Test("the state hash is the wrapping sum of the entries' stable hashes, and of the bucket hashes")
    func stateHashIsSumOfEntryHashes() async {
        await propertyCheck(count: 300, input: TestData.entries) { entries in
            let map = LWWMap.merging(entries)
            let held = map.sortedEntries()
            #expect(map.stateHash == held.reduce(0) { $0 &+ $1.stableHash })
            #expect(map.stateHash == map.bucketHashes.reduce(0, &+))
            var buckets = [UInt64](repeating: 0, count: BucketSet.bucketCount)
            for entry in held { buckets[Int(LWWMap.bucket(ofKey: entry.key))] &+= entry.stableHash }
            #expect(map.bucketHashes == buckets)
        }
    }

    @Test("an empty map has state hash zero and no writers")
    func emptyMap() {
        let map = LWWMap()
        #expect(map.stateHash == 0)
        #expect(map.bucketHashes.allSatisfy { $0 == 0 })
        #expect(map.writers.isEmpty)
        #expect(map.delta(for: Digest()).isEmpty)
        #expect(map.count == 0)
    }

    @Test(
        "delta(for:) equals a brute-force filter of the entries above the digest's watermarks, after supersessions too"
    )
    func deltaEqualsBruteForce() async {
        await propertyCheck(count: 500, input: zip(TestData.entries, TestData.digest)) { entries, digest in
            let map = LWWMap.merging(entries)
            let expected = map.sortedEntries().filter { $0.timestamp > digest[$0.origin] }
            let delta = map.delta(for: digest)
            func byOriginThenTime(_ a: Entry, _ b: Entry) -> Bool {
                (a.origin, a.timestamp.rawValue) < (b.origin, b.timestamp.rawValue)
                    || ((a.origin, a.timestamp.rawValue) == (b.origin, b.timestamp.rawValue)
                        && a.key.lexicographicallyPrecedes(b.key))
            }
            #expect(delta.sorted(by: byOriginThenTime) == expected.sorted(by: byOriginThenTime))
            #expect(map.deltaCount(for: digest) == expected.count)
            // Origins in node-id order, each oldest first.
            for (a, b) in zip(delta, delta.dropFirst()) {
                #expect(a.origin < b.origin || (a.origin == b.origin && a.timestamp <= b.timestamp))
            }
            for origin in TestData.origins + [TestData.stranger] {
                let fromOrigin = map.entries(from: origin, after: digest[origin])
                #expect(
                    fromOrigin.sorted(by: byOriginThenTime)
                        == expected.filter { $0.origin == origin }.sorted(by: byOriginThenTime))
            }
            #expect(map.writers == Set(map.sortedEntries().map(\.origin)).sorted())
        }
    }

    @Test("a superseded entry leaves its origin's index: no delta for that origin returns it")
    func supersededEntryLeavesIndex() {
        let (a, b) = (TestData.origins[0], TestData.origins[1])
        var map = LWWMap()
        map.merge(Entry(key: [1], value: [1], timestamp: TestData.timestamp(1), origin: a))
        map.merge(Entry(key: [2], value: [2], timestamp: TestData.timestamp(2), origin: a))
        map.merge(Entry(key: [1], value: [3], timestamp: TestData.timestamp(3), origin: b))
        #expect(map.entries(from: a, after: .zero).map(\.key) == [[2]])
        #expect(map.entries(from: b, after: .zero).map(\.value) == [[3]])
        #expect(map.delta(for: Digest([b: TestData.timestamp(3)])).map(\.key) == [[2]])
        #expect(map.delta(for: Digest([a: TestData.timestamp(2)])).map(\.value) == [[3]])
        #expect(map.writers == [a, b].sorted())
        map.merge(Entry(key: [2], value: nil, timestamp: TestData.timestamp(4), origin: b))
        #expect(map.entries(from: a, after: .zero).isEmpty)
        #expect(map.writers == [b])
    }

    @Test(
        "delta(for:) and deltaCount(for:) on a map with more than one index block, out-of-order arrivals and supersessions"
    )
    func deltaOnLargeMaps() async {
        // Many keys per origin so indexes split blocks; random arrival order and overwrites.
        let input = zip(Gen.int(in: 0...Int.max), Gen.int(in: 300...900), TestData.digest)
        await propertyCheck(count: 40, input: input) { seed, count, digestShape in
            var generator = SplitMix64(seed: UInt64(seed))
            var entries: [Entry] = []
            for _ in 0..<count {
                let origin = TestData.origins[Int(generator.next() % 3)]
                let key = [UInt8(generator.next() % 200), UInt8(generator.next() % 2)]
                let timestamp = HLCTimestamp(
                    physical: TestData.basePhysical + generator.next() % 400,
                    logical: UInt16(generator.next() % 3))
                entries.append(
                    Entry(
                        key: key, value: generator.next() % 5 == 0 ? nil : [1], timestamp: timestamp,
                        origin: origin))
            }
            let map = LWWMap.merging(entries)
            // Watermarks in the middle of the range, taken from the generated shape.
            var watermarks: [NodeID: HLCTimestamp] = [:]
            for origin in TestData.origins where digestShape[origin] != .zero {
                let fraction = digestShape[origin] == .max ? 400 : (digestShape[origin].rawValue % 7) * 60
                watermarks[origin] = HLCTimestamp(physical: TestData.basePhysical + fraction, logical: 1)
            }
            let digest = Digest(watermarks)
            let expected = map.sortedEntries().filter { $0.timestamp > digest[$0.origin] }
            let delta = map.delta(for: digest)
            #expect(delta.count == expected.count)
            #expect(Set(delta) == Set(expected))
            #expect(map.deltaCount(for: digest) == expected.count)
            #expect(map.sortedEntries() == winners(of: entries))
        }
    }

    @Test("an expired entry reads nil but still beats an older write that arrives later")
    func expiryStaysAsTombstone() {
        let origin = TestData.origins[0]
        let key: [UInt8] = Array("session".utf8)
        let written = HLCTimestamp(physical: 10_000)
        let deadline = HLCTimestamp(physical: 11_000)
        var map = LWWMap()
        map.merge(Entry(key: key, value: [1], timestamp: written, origin: origin, expiry: deadline))
        #expect(map.value(forKey: key, at: HLCTimestamp(physical: 10_999, logical: 65_535)) == [1])
        #expect(map.value(forKey: key, at: deadline) == nil)
        #expect(map.value(forKey: key, at: HLCTimestamp(physical: 50_000)) == nil)
        #expect(map.entry(forKey: key)?.visibleValue(at: deadline) == nil)

        // An older write from another node arrives after the deadline: it still loses.
        let older = Entry(
            key: key, value: [2], timestamp: HLCTimestamp(physical: 9_000), origin: TestData.origins[1])
        #expect(map.merge(older) == .unchanged)
        #expect(map.value(forKey: key, at: HLCTimestamp(physical: 50_000)) == nil)
        #expect(map.count == 1)

        // A newer write replaces it and is visible again.
        let newer = Entry(
            key: key, value: [3], timestamp: HLCTimestamp(physical: 12_000), origin: TestData.origins[1])
        #expect(
            map.merge(newer)
                == .replaced(
                    previous: Entry(
                        key: key, value: [1], timestamp: written, origin: origin, expiry: deadline)))
        #expect(map.value(forKey: key, at: HLCTimestamp(physical: 50_000)) == [3])
    }

    @Test("value(forKey:at:) agrees with the held entry's visibleValue(at:) at every time")
    func readsAgreeWithEntries() async {
        await propertyCheck(count: 300, input: zip(TestData.entries, Gen.int(in: 0...5))) { entries, time in
            let map = LWWMap.merging(entries)
            let now = HLCTimestamp(physical: TestData.basePhysical + UInt64(time))
            for index in 0...5 {
                let key = TestData.key(index)
                #expect(map.value(forKey: key, at: now) == map.entry(forKey: key)?.visibleValue(at: now))
            }
        }
    }

    @Test("entries(inBuckets:) returns exactly the entries of those buckets, sorted by key")
    func entriesInBuckets() async {
        await propertyCheck(count: 200, input: zip(TestData.entries, Gen.uint8().array(of: 0...40))) {
            entries, buckets in
            let map = LWWMap.merging(entries)
            let set = BucketSet(buckets)
            let expected = map.sortedEntries().filter { set.contains(LWWMap.bucket(ofKey: $0.key)) }
            #expect(map.entries(inBuckets: set) == expected)
        }
    }

    @Test("forEachEntry visits every held entry once")
    func forEachVisitsAll() async {
        await propertyCheck(count: 200, input: TestData.entries) { entries in
            let map = LWWMap.merging(entries)
            var seen: [Entry] = []
            map.forEachEntry { seen.append($0) }
            #expect(seen.sorted { $0.key.lexicographicallyPrecedes($1.key) } == map.sortedEntries())
        }
    }
}
