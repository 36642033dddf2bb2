import GossipKVCore

/// Figure (a): merge throughput of a sync answer of `keys` entries (16-byte keys, 32-byte
/// values, one origin), best of `runs`. Entries are already decoded: decoding is measured by the
/// wire codec's benchmark (`benchmarkWireCodec`).
struct MergeFigures {
    var keys: Int
    var intoEmptyKeysPerSecond: Double
    var overOlderKeysPerSecond: Double
    var alreadyHeldKeysPerSecond: Double
    var reservedKeysPerSecond: Double
}

func benchmarkMerge(keys: Int, runs: Int) -> MergeFigures {
    let older = BenchData.delta(count: keys, physical: BenchData.basePhysical, generation: 1)
    let delta = BenchData.delta(count: keys, physical: BenchData.basePhysical + 60_000)

    func merged(_ entries: [Entry]) -> LWWMap {
        var map = LWWMap()
        for entry in entries { map.merge(entry) }
        return map
    }
    func mergeAll(_ map: inout LWWMap) -> UInt64 {
        for entry in delta { map.merge(entry) }
        return map.stateHash &+ UInt64(map.count)
    }

    let intoEmpty = bestOf(runs, prepare: { LWWMap() }, mergeAll)
    let overOlder = bestOf(runs, prepare: { merged(older) }, mergeAll)
    let alreadyHeld = bestOf(runs, prepare: { merged(delta) }, mergeAll)
    // What a receiver gains by reserving room when it knows an answer's size (not the headline).
    let reserved = bestOf(
        runs,
        prepare: { () -> LWWMap in
            var map = LWWMap()
            map.reserveCapacity(keys)
            return map
        }, mergeAll)

    // The three maps must end equal: a cheap check that the benchmark measures real merges.
    var check = merged(older)
    _ = mergeAll(&check)
    precondition(check.stateHash == merged(delta).stateHash, "merge benchmark: maps differ")

    return MergeFigures(
        keys: keys,
        intoEmptyKeysPerSecond: Double(keys) / intoEmpty.seconds,
        overOlderKeysPerSecond: Double(keys) / overOlder.seconds,
        alreadyHeldKeysPerSecond: Double(keys) / alreadyHeld.seconds,
        reservedKeysPerSecond: Double(keys) / reserved.seconds)
}

func printMerge(_ figures: MergeFigures) {
    print(
        "(a) merge of a \(format(Double(figures.keys)))-key delta (16 B keys, 32 B values, one origin), best of runs"
    )
    print("    " + pad("case", 44, right: false) + pad("keys/s", 14) + pad("ns/key", 9))
    for (name, rate) in [
        ("into an empty map", figures.intoEmptyKeysPerSecond),
        ("over the same keys with older entries", figures.overOlderKeysPerSecond),
        ("again, entries already held (no change)", figures.alreadyHeldKeysPerSecond),
        ("into an empty map with capacity reserved", figures.reservedKeysPerSecond),
    ] {
        print("    " + pad(name, 44, right: false) + pad(format(rate), 14) + pad(format(1e9 / rate), 9))
    }
}
