// Storage benchmarks: recovery, append throughput per fsync policy, group commit, snapshot time
// and the writer's longest pause while a snapshot is written, disk bytes per key. Prints a
// table; nothing is asserted. Run: `bash Benchmarks/storage-bench.sh [--quick] [--dir PATH]`
// (the data goes under PATH, default a temporary directory on the disk of /tmp, deleted after).
import Dispatch
import Foundation
import GossipKVCore
import GossipKVStorage
import Synchronization

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let keyCount = quick ? 100_000 : 1_000_000
let logRecordCount = quick ? 10_000 : 100_000
let appendCount = quick ? 20_000 : 200_000
let timedSeconds = quick ? 1.0 : 3.0
let writers = 64
let root: String = {
    if let index = arguments.firstIndex(of: "--dir"), index + 1 < arguments.count { return arguments[index + 1] }
    return NSTemporaryDirectory() + "gossipkv-storagebench-\(getpid())"
}()
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

let origin = NodeID(high: 0x5107_A6E, low: 1)
var clock: UInt64 = HLCTimestamp(physical: 1_700_000_000_000).rawValue

/// A 16-byte key and a 32-byte value, as the brief fixes them.
@MainActor func entry(_ index: Int) -> Entry {
    clock += 1
    var key = [UInt8](repeating: 0, count: 16)
    var value = [UInt8](repeating: 0, count: 32)
    for byte in 0..<8 {
        key[byte] = UInt8(truncatingIfNeeded: index >> (8 * byte))
        key[15 - byte] = UInt8(truncatingIfNeeded: (index &* 0x9E37_79B9) >> (8 * byte))
        value[byte] = UInt8(truncatingIfNeeded: clock >> (8 * byte))
    }
    return Entry(key: key, value: value, timestamp: HLCTimestamp(rawValue: clock), origin: origin)
}

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func directory(_ name: String, _ fsync: FsyncPolicy) -> StorageConfiguration {
    var configuration = StorageConfiguration(directory: root + "/" + name)
    configuration.fsync = fsync
    return configuration
}
func diskBytes(_ path: String) -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.reduce(0) { total, name in
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
        return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
    }
}

var rows: [(String, String)] = []
@MainActor func row(_ name: String, _ value: String) {
    rows.append((name, value))
    print(String(format: "%-64@ %@", name as NSString, value))
}

print("== StorageBench: \(keyCount) keys (16-byte keys, 32-byte values), \(logRecordCount) log records after the snapshot")
print("   data under \(root)")

// 1. A map of keyCount keys, snapshotted while a writer keeps merging and appending.
var map = LWWMap()
map.reserveCapacity(keyCount)
for index in 0..<keyCount { map.merge(entry(index)) }
let (storage, _) = try Storage.open(directory("recovery", .batch))

/// The writer's loop: merge one overwrite into the node's map and append it. Returns the
/// longest single step and the number of steps, running until `stop` says so.
@MainActor func writerLoop(until stop: () -> Bool, minimumSteps: Int) throws -> (longest: Double, steps: Int) {
    var longest: UInt64 = 0
    var steps = 0
    var index = 0
    while !stop() || steps < minimumSteps {
        let started = now()
        let next = entry(index % keyCount)
        map.merge(next)
        try storage.append(next)
        longest = max(longest, now() - started)
        steps += 1
        index = (index &+ 7919) % keyCount
    }
    return (Double(longest) / 1e6, steps)
}

let baseline = try writerLoop(until: { true }, minimumSteps: 20_000)
row("writer longest step, no snapshot (20k steps)", String(format: "%.2f ms", baseline.longest))

let done = Atomic<Bool>(false)
let snapshotStart = now()
let snapshotTask = try storage.beginSnapshot(SnapshotState(map: map, digest: Digest([origin: HLCTimestamp(rawValue: clock)]), clockCeiling: HLCTimestamp(rawValue: clock)))
// Detached: a plain Task here would inherit the main actor, which the writer loop keeps busy.
let watcher = Task.detached {
    let result = await snapshotTask.result
    let elapsed = seconds(since: snapshotStart)
    done.store(true, ordering: .releasing)
    return (result, elapsed)
}
let during = try writerLoop(until: { done.load(ordering: .acquiring) }, minimumSteps: 1)
let (snapshotResult, snapshotSeconds) = await watcher.value
try snapshotResult.get()
row("snapshot write, \(keyCount) keys (writer running)", String(format: "%.2f s", snapshotSeconds))
row("writer longest step while the snapshot is written", String(format: "%.2f ms (%d steps)", during.longest, during.steps))

for index in 0..<logRecordCount { try storage.append(entry((index &* 104_729) % keyCount)) }
try storage.close()
let bytes = diskBytes(root + "/recovery")
row("disk bytes per key (snapshot + \(logRecordCount) log records)", String(format: "%.1f B (%.1f MB total)", Double(bytes) / Double(keyCount), Double(bytes) / 1e6))

// 2. Recovery from that directory.
let recoveryStart = now()
let (recovered, state) = try Storage.open(directory("recovery", .batch))
let recoverySeconds = seconds(since: recoveryStart)
precondition(state.map.count == keyCount, "recovered \(state.map.count) keys, expected \(keyCount)")
try recovered.close()
row("recovery: snapshot of \(keyCount) keys + \(logRecordCount) log records", String(format: "%.2f s", recoverySeconds))

// 3. Append throughput per policy, one writer.
for policy in FsyncPolicy.allCases {
    let (log, _) = try Storage.open(directory("append-\(policy)", policy))
    let start = now()
    var count = 0
    if policy == .always {
        // One writer that waits for each write: one fsync per write.
        while seconds(since: start) < timedSeconds {
            try log.append(entry(count))
            try await log.waitUntilDurable()
            count += 1
        }
    } else {
        for index in 0..<appendCount { try log.append(entry(index)) }
        count = appendCount
    }
    let elapsed = seconds(since: start)
    let fsyncs = log.statistics.fsyncs
    try log.close()
    row("append, fsync=\(policy), 1 writer", String(format: "%.0f records/s (%d fsyncs)", Double(count) / elapsed, fsyncs))
}

// 4. Group commit: `writers` concurrent writers, each acknowledged after its fsync.
do {
    let (log, _) = try Storage.open(directory("group", .always))
    final class Counter: Sendable { let value = Atomic<Int>(0) }
    let acknowledged = Counter()
    let start = now()
    let (duration, writerOrigin, writerCount) = (timedSeconds, origin, writers)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writerCount {
            group.addTask {
                var index = writer
                while seconds(since: start) < duration {
                    try log.append(Entry(key: [UInt8(writer)], value: [UInt8(truncatingIfNeeded: index)],
                                         timestamp: HLCTimestamp(rawValue: UInt64(index + 1)), origin: writerOrigin))
                    try await log.waitUntilDurable()
                    acknowledged.value.add(1, ordering: .relaxed)
                    index += writerCount
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(since: start)
    let fsyncs = log.statistics.fsyncs
    try log.close()
    let acks = acknowledged.value.load(ordering: .relaxed)
    row("append, fsync=always, \(writers) concurrent writers",
        String(format: "%.0f acknowledged writes/s, %.0f fsyncs/s (%.1f writes per fsync)",
               Double(acks) / elapsed, Double(fsyncs) / elapsed, Double(acks) / Double(max(fsyncs, 1))))
}

print("\n| measure | result |\n|---|---|")
for (name, value) in rows { print("| \(name) | \(value) |") }
