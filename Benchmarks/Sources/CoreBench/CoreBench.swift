import Foundation
import GossipKVCore
import GossipKVSimulation

/// Benchmarks of the GossipKV core. `bash Benchmarks/run.sh` builds this in release mode, runs it
/// and compares with pycrdt.
///
///     CoreBench [--quick] [--runs N] [--only merge|delta|codec|simulator|burst|scan] [--results FILE]
///
/// `--quick` runs smaller maps and fewer repetitions (a smoke test, not figures to quote).
/// `--runs N` takes the best of N runs instead of 5 (more runs filter out a busy machine).
/// `--only` runs one figure (for profiling: `perf record .build/release/CoreBench --only merge`).
/// `--results FILE` also writes the figures as `name value` lines for `pycrdt_bench.py`.
@main
struct CoreBench {
    static func main() {
        do {
            try run()
        } catch {
            FileHandle.standardError.write(Data("CoreBench: \(error)\n".utf8))
            exit(2)
        }
    }

    static func run() throws {
        var arguments = CommandLine.arguments.dropFirst()
        var quick = false
        var resultsPath: String?
        var only: String?
        var runsOverride: Int?
        while let argument = arguments.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--runs":
                guard let text = arguments.popFirst(), let count = Int(text), count > 0 else {
                    throw UsageError(message: "--runs needs a positive number")
                }
                runsOverride = count
            case "--only":
                guard let figure = arguments.popFirst(),
                    ["merge", "delta", "codec", "simulator", "burst", "scan"].contains(figure)
                else {
                    throw UsageError(message: "--only needs merge, delta, codec, simulator, burst or scan")
                }
                only = figure
            case "--results":
                guard let path = arguments.popFirst() else {
                    throw UsageError(message: "--results needs a file name")
                }
                resultsPath = path
            default:
                throw UsageError(
                    message:
                        "unknown argument \(argument); usage: CoreBench [--quick] [--runs N] [--only merge|delta|codec|simulator|burst|scan] [--results FILE]"
                )
            }
        }

        let runs = runsOverride ?? (quick ? 2 : 5)
        let mergeKeys = quick ? 10_000 : 100_000
        let sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
        let changes = [1, 100, 1000, 10_000]

        print("GossipKV CoreBench (release, one thread, best of \(runs))")
        print("")
        var lines: [String] = []
        if only == nil || only == "merge" {
            let merge = benchmarkMerge(keys: mergeKeys, runs: runs)
            printMerge(merge)
            print("")
            lines += [
                "merge_keys \(merge.keys)",
                "merge_empty_keys_per_s \(merge.intoEmptyKeysPerSecond)",
                "merge_older_keys_per_s \(merge.overOlderKeysPerSecond)",
                "merge_held_keys_per_s \(merge.alreadyHeldKeysPerSecond)",
            ]
        }
        if only == nil || only == "delta" {
            let delta = benchmarkDelta(sizes: sizes, changes: changes, runs: runs)
            printDelta(delta)
            print("")
            for (sizeIndex, size) in delta.sizes.enumerated() {
                for (changeIndex, d) in delta.changes.enumerated() {
                    lines.append("delta_ms_\(size)_\(d) \(delta.milliseconds[sizeIndex][changeIndex])")
                }
            }
        }
        if only == nil || only == "codec" {
            let codec = benchmarkWireCodec(runs: runs, keys: mergeKeys)
            print("")
            lines += [
                "codec_encode_mb_per_s \(codec.encodeMBps)",
                "codec_decode_mb_per_s \(codec.decodeMBps)",
                "decode_merge_keys_per_s \(codec.decodeAndMergeKeysPerSecond)",
            ]
        }
        if only == nil || only == "simulator" {
            _ = benchmarkSimulatorGossipRounds(sizes: quick ? [10, 100] : [10, 100, 1_000])
            print("")
        }
        if only == nil || only == "burst" {
            // (e) Issue 12: replication cost of a write burst, catch-up, dissemination rounds.
            print("(e) simulator: replication cost (printed, not asserted)")
            print(
                BurstReport.table(
                    writes: quick ? 10_000 : 100_000, sizes: [3, 10, 20], catchUpSizes: [3, 10],
                    spreadSizes: quick ? [100] : [1_000]))
            print("")
        }
        if only == nil || only == "scan" {
            let scan = benchmarkScan(
                sizes: quick ? [10_000, 100_000] : [100_000, 1_000_000], runs: quick ? 1 : 3)
            printScan(scan)
            print("")
            for (size, milliseconds) in zip(scan.sizes, scan.milliseconds) {
                lines.append("scan_full_ms_\(size) \(milliseconds)")
            }
        }
        print("checksum \(Sink.checksum)")

        if let resultsPath {
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: resultsPath, atomically: true, encoding: .utf8)
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
