import Foundation
import GossipKVCore
import GossipKVSimulation

/// (c) Encode and decode throughput of sync-answer bodies: the 100k-entry delta of `BenchData`
/// cut into 1 MiB chunks as the engine cuts them, best of runs. Also the merge rate including
/// decoding, which is what pycrdt's `apply_update` figure includes.
func benchmarkWireCodec(runs: Int, keys: Int) -> (
    encodeMBps: Double, decodeMBps: Double, decodeAndMergeKeysPerSecond: Double
) {
    let entries = BenchData.delta(count: keys)
    let limits = Limits.standard
    var chunks: [SyncAnswer] = []
    var current: [Entry] = []
    var used = 0
    for entry in entries {
        let size = WireSize.encodedSize(of: entry)
        if used + size > limits.maxChunkBytes - 64 && !current.isEmpty {
            chunks.append(SyncAnswer(syncID: 1, index: 0, count: 1, phase: .answer, entries: current))
            current = []
            used = 0
        }
        current.append(entry)
        used += size
    }
    chunks.append(SyncAnswer(syncID: 1, index: 0, count: 1, phase: .answer, entries: current))
    let messages = chunks.map { GossipMessage.syncAnswer($0) }
    let bodies = messages.map { (try? $0.encodedBody(limits: limits)) ?? [] }
    let totalBytes = Double(bodies.reduce(0) { $0 + $1.count })

    let encode = bestOf(runs, prepare: { () }) { _ in
        var sum: UInt64 = 0
        for message in messages { sum &+= UInt64((try? message.encodedBody(limits: limits))?.count ?? 0) }
        return sum
    }
    let decode = bestOf(runs, prepare: { () }) { _ in
        var sum: UInt64 = 0
        for body in bodies {
            if case let .syncAnswer(answer)? = try? GossipMessage.decodeBody(
                kind: .syncAnswer, body[...], limits: limits)
            {
                sum &+= UInt64(answer.entries.count)
            }
        }
        return sum
    }
    let decodeAndMerge = bestOf(runs, prepare: { LWWMap() }) { map in
        for body in bodies {
            if case let .syncAnswer(answer)? = try? GossipMessage.decodeBody(
                kind: .syncAnswer, body[...], limits: limits)
            {
                for entry in answer.entries { map.merge(entry) }
            }
        }
        return map.stateHash
    }
    let result = (
        encodeMBps: totalBytes / encode.seconds / 1e6, decodeMBps: totalBytes / decode.seconds / 1e6,
        decodeAndMergeKeysPerSecond: Double(keys) / decodeAndMerge.seconds
    )
    print(
        "(c) wire codec, sync-answer bodies of \(format(Double(keys))) entries (\(format(totalBytes / 1e6, decimals: 1)) MB), best of \(runs)"
    )
    print("    encode                                   \(pad(format(result.encodeMBps), 10)) MB/s")
    print("    decode                                   \(pad(format(result.decodeMBps), 10)) MB/s")
    print(
        "    decode + merge into an empty map         \(pad(format(result.decodeAndMergeKeysPerSecond), 10)) keys/s"
    )
    return result
}

/// (d) In the simulator (real engine, real envelopes, no faults): gossip rounds until one write
/// reaches all of N nodes, beside log2(N), and what a converged, idle cluster sends.
func benchmarkSimulatorGossipRounds(sizes: [Int]) -> [(
    nodes: Int, rounds: Double, idleBytesPerNodePerRound: Double
)] {
    print(
        "(d) simulator: one write reaching all N nodes (eager push down a two-level tree of width max(3, ceil(sqrt(N-1))), then rounds every 200 ms)"
    )
    print("    N        ms to all   rounds   log2(N)   idle B/node/round   idle B/node/s")
    var results: [(Int, Double, Double)] = []
    for nodes in sizes {
        let result = SpreadExperiment.run(nodeCount: nodes)
        let log2 = Foundation.log2(Double(nodes))
        print(
            "    \(pad(String(nodes), 5, right: false))"
                + "\(pad(format(Double(result.millisecondsToReachAll)), 12))"
                + "\(pad(format(result.rounds, decimals: 1), 9))"
                + "\(pad(format(log2, decimals: 1), 10))"
                + "\(pad(format(result.idleBytesPerNodePerRound, decimals: 0), 20))"
                + "\(pad(format(result.idleBytesPerNodePerSecond, decimals: 0), 16))")
        results.append((nodes, result.rounds, result.idleBytesPerNodePerRound))
    }
    print("    (a round is one 200 ms gossip interval; idle rounds are the 1 s summary interval; bytes are")
    print(
        "     whole sealed envelopes with the simulator's 8-byte authenticator: add 56 per message for Ed25519)"
    )
    return results
}
