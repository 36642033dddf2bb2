import PropertyBased
import Testing

@testable import GossipKVCore

/// SCAN over the map's SCAN-order index: the same pages a sort of every key would give, at
/// O(page) each.
@Suite("LWWMap SCAN pages")
struct LWWMapScanTests {
    static let origin = NodeID(high: 7, low: 7)
    static let now = HLCTimestamp(physical: 1_000_000)

    static func write(_ key: Int, tick: UInt64, value: Bool = true, expiry: HLCTimestamp? = nil) -> Entry {
        Entry(
            key: Array("key:\(key)".utf8), value: value ? [1] : nil, timestamp: HLCTimestamp(physical: tick),
            origin: origin, expiry: expiry)
    }

    /// The reference order: every visible key sorted by (stable hash, bytes).
    static func reference(_ map: LWWMap, at now: HLCTimestamp) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        map.forEachEntry { if $0.visibleValue(at: now) != nil { keys.append($0.key) } }
        return keys.sorted {
            let (left, right) = (StableHasher.hash($0), StableHasher.hash($1))
            return left != right ? left < right : $0.lexicographicallyPrecedes($1)
        }
    }

    static func fullScan(_ map: LWWMap, count: Int, at now: HLCTimestamp) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var cursor: UInt64 = 0
        repeat {
            let page = map.scanPage(from: cursor, count: count, visibleAt: now)
            keys += page.keys
            cursor = page.nextCursor
        } while cursor != 0
        return keys
    }

    @Test("a full scan returns exactly the visible keys in (hash, key) order, for any page size")
    func fullScanMatchesSort() async {
        await propertyCheck(count: 200, input: zip(TestData.entries, Gen.int(in: 1...30))) { entries, count in
            let map = LWWMap.merging(entries)
            let now = TestData.timestamp(4)
            #expect(Self.fullScan(map, count: count, at: now) == Self.reference(map, at: now))
        }
    }

    @Test("tombstones and expired keys are skipped; removed keys leave the index")
    func deadKeysSkipped() {
        var map = LWWMap()
        for key in 0..<300 { map.merge(Self.write(key, tick: 10)) }
        for key in 0..<100 { map.merge(Self.write(key, tick: 20, value: false)) }
        for key in 100..<150 { map.merge(Self.write(key, tick: 20, expiry: HLCTimestamp(physical: 50))) }
        let later = HLCTimestamp(physical: 60)
        let scanned = Self.fullScan(map, count: 10, at: later)
        #expect(scanned.count == 150)
        #expect(Set(scanned) == Set((150..<300).map { Array("key:\($0)".utf8) }))
        for key in 0..<100 {
            if let entry = map.entry(forKey: Array("key:\(key)".utf8)) { map.remove(entry) }
        }
        #expect(map.count == 200)
        #expect(Self.fullScan(map, count: 7, at: later) == Self.reference(map, at: later))
    }

    @Test("a key held for the whole scan is returned once while thousands come and go between pages")
    func stableUnderChurn() {
        var map = LWWMap()
        // Keys 0..<2000 stay; 10_000... are added and removed as the scan goes, growing and
        // shrinking the index's table under the cursor.
        for key in 0..<2_000 { map.merge(Self.write(key, tick: 10)) }
        var returned: [[UInt8]: Int] = [:]
        var cursor: UInt64 = 0
        var tick: UInt64 = 11
        var churn = 10_000
        var pages = 0
        repeat {
            let page = map.scanPage(from: cursor, count: 25, visibleAt: Self.now)
            for key in page.keys { returned[key, default: 0] += 1 }
            cursor = page.nextCursor
            pages += 1
            tick += 1
            if pages % 3 == 0 {
                for _ in 0..<400 {
                    map.merge(Self.write(churn, tick: tick))
                    churn += 1
                }
            } else {
                for key in Swift.max(10_000, churn - 300)..<churn {
                    if let entry = map.entry(forKey: Array("key:\(key)".utf8)) { map.remove(entry) }
                }
            }
        } while cursor != 0
        for key in 0..<2_000 {
            #expect(returned[Array("key:\(key)".utf8)] == 1, "key:\(key)")
        }
        #expect(returned.values.allSatisfy { $0 == 1 })
    }

    @Test("a page visits about count keys, not the whole map")
    func pageIsBounded() {
        var map = LWWMap()
        for key in 0..<20_000 { map.merge(Self.write(key, tick: 10)) }
        let first = map.scanPage(from: 0, count: 10, visibleAt: Self.now)
        #expect((10...12).contains(first.keys.count))
        #expect(first.nextCursor != 0)
        let middle = map.scanPage(from: UInt64.max / 2, count: 10, visibleAt: Self.now)
        #expect(middle.keys.allSatisfy { StableHasher.hash($0) >= UInt64.max / 2 })
        #expect(
            middle.keys
                == Array(
                    Self.reference(map, at: Self.now).drop { StableHasher.hash($0) < UInt64.max / 2 }.prefix(
                        middle.keys.count)))
    }
}
