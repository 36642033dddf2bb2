import GossipKVCore

/// Figure (b): time of `delta(for: oldDigest)` when `d` keys changed since the digest, in maps of
/// several sizes. The map holds `size` keys written by one origin; the digest covers all of them;
/// then `d` existing keys, spread over the map, are overwritten by another origin. The answer
/// must cost time in proportion to `d`, not to the map size (DESIGN, "Anti-entropy").
struct DeltaFigures {
    var sizes: [Int]
    var changes: [Int]
    /// milliseconds[sizeIndex][changeIndex]
    var milliseconds: [[Double]]
    /// A full scan of the map for the same answer, per size: what the index saves.
    var scanMilliseconds: [Double]
}

func benchmarkDelta(sizes: [Int], changes: [Int], runs: Int) -> DeltaFigures {
    var grid: [[Double]] = []
    var scans: [Double] = []
    for size in sizes {
        var map = LWWMap()
        map.reserveCapacity(size)
        var writerClock = HybridLogicalClock()
        for index in 0..<size {
            let timestamp = writerClock.now(physical: BenchData.basePhysical)
            map.merge(
                Entry(
                    key: BenchData.key(index), value: BenchData.value(index), timestamp: timestamp,
                    origin: BenchData.writer))
        }
        let oldDigest = Digest([BenchData.writer: writerClock.last])
        var otherClock = HybridLogicalClock(startingAfter: writerClock.last)
        var written = 0
        var row: [Double] = []
        for d in changes {
            // Changes accumulate: d = 100 includes the key changed for d = 1, and so on.
            while written < d {
                let index = (written &* 7919) % size  // 7919 is prime: distinct keys, spread out
                let timestamp = otherClock.now(physical: BenchData.basePhysical + 1000)
                map.merge(
                    Entry(
                        key: BenchData.key(index), value: BenchData.value(index, generation: 2),
                        timestamp: timestamp, origin: BenchData.otherWriter))
                written += 1
            }
            let answerSize = map.delta(for: oldDigest).count
            precondition(answerSize == d, "delta benchmark: expected \(d) entries, got \(answerSize)")
            let best = bestOf(runs, prepare: { () }) { _ in
                let delta = map.delta(for: oldDigest)
                return UInt64(delta.count) &+ (delta.last?.timestamp.rawValue ?? 0)
            }
            row.append(best.milliseconds)
        }
        // The same answer by scanning every entry (what the per-origin index avoids).
        let scan = bestOf(min(runs, 3), prepare: { () }) { _ in
            var answer: [Entry] = []
            map.forEachEntry { entry in if entry.timestamp > oldDigest[entry.origin] { answer.append(entry) }
            }
            return UInt64(answer.count)
        }
        scans.append(scan.milliseconds)
        grid.append(row)
    }
    return DeltaFigures(sizes: sizes, changes: changes, milliseconds: grid, scanMilliseconds: scans)
}

func printDelta(_ figures: DeltaFigures) {
    print("(b) delta(for: oldDigest) in ms, d changed keys (rows) x map size (columns), best of runs")
    var header = "    " + pad("d", 10, right: false)
    for size in figures.sizes { header += pad(format(Double(size)) + " keys", 16) }
    print(header)
    for (changeIndex, d) in figures.changes.enumerated() {
        var line = "    " + pad(format(Double(d)), 10, right: false)
        for sizeIndex in figures.sizes.indices {
            line += pad(format(figures.milliseconds[sizeIndex][changeIndex], decimals: 4), 16)
        }
        print(line)
    }
    var scanLine = "    " + pad("full scan", 10, right: false)
    for scan in figures.scanMilliseconds { scanLine += pad(format(scan, decimals: 1), 16) }
    print(
        scanLine
            + "   (same answer by scanning the map, d = \(format(Double(figures.changes.last ?? 0))); for reference)"
    )
}
