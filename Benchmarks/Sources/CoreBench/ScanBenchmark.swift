import GossipKVCore

/// Figure (f): a full SCAN (pages of 10, as redis-cli --scan asks) over maps of growing size,
/// through `LWWMap.scanPage`. Time per key should stay flat as the map grows (O(n) for the
/// whole walk); the earlier sort-per-page answer grew as n² / 10.
struct ScanFigures {
    var sizes: [Int]
    var milliseconds: [Double]
}

func benchmarkScan(sizes: [Int], runs: Int) -> ScanFigures {
    var figures = ScanFigures(sizes: sizes, milliseconds: [])
    let now = HLCTimestamp(physical: BenchData.basePhysical + 3_600_000)
    for size in sizes {
        var map = LWWMap()
        for entry in BenchData.delta(count: size, physical: BenchData.basePhysical) { map.merge(entry) }
        let elapsed = bestOf(runs, prepare: { map }) { map in
            var cursor: UInt64 = 0
            var seen: UInt64 = 0
            repeat {
                let page = map.scanPage(from: cursor, count: 10, visibleAt: now)
                seen &+= UInt64(page.keys.count)
                cursor = page.nextCursor
            } while cursor != 0
            precondition(seen == UInt64(size), "scan benchmark: \(seen) of \(size) keys")
            return seen
        }
        figures.milliseconds.append(elapsed.milliseconds)
    }
    return figures
}

func printScan(_ figures: ScanFigures) {
    print("(f) full SCAN, pages of COUNT 10 (LWWMap.scanPage)")
    print("     keys      total ms     ns/key")
    for (size, milliseconds) in zip(figures.sizes, figures.milliseconds) {
        print(
            pad(format(Double(size)), 9) + pad(format(milliseconds, decimals: 1), 14)
                + pad(format(milliseconds * 1_000_000 / Double(size), decimals: 0), 11))
    }
}
