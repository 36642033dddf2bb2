import GossipKVCore

/// The printed table of issue 12's figures, shared by the env-gated report test and the
/// benchmark (`Benchmarks/Sources/CoreBench`): burst cost per write and receiver, catch-up of a
/// returning node, and rounds for one write to reach N nodes. Prints figures; asserts nothing.
public enum BurstReport {
    public static func table(writes: Int, sizes: [Int], catchUpSizes: [Int], spreadSizes: [Int]) -> String {
        var lines: [String] = []
        let sealed = BurstExperiment.sealedEntryBytes()
        lines.append(
            "burst of \(writes) writes on node 0 (16-byte keys, 32-byte values, 50 a millisecond), no faults")
        lines.append(
            "sealed entry size: \(format(sealed)) B (a full push datagram over the entries it holds)")
        lines.append("N      B/write/receiver   ratio to sealed entry   ms to reach all   messages by kind")
        for size in sizes {
            let result = BurstExperiment.run(nodeCount: size, writes: writes)
            let kinds = result.sentByKind.sorted { $0.key < $1.key }.map {
                "\($0.key.replacingHonest)=\($0.value)"
            }
            lines.append(
                pad(String(size), 7) + pad(format(result.bytesPerWritePerReceiver), 19)
                    + pad(format(result.ratioToSealedEntry, decimals: 2) + "x", 24)
                    + pad(String(result.millisecondsToReachAll), 18) + kinds.joined(separator: " "))
        }
        lines.append(
            "catch-up: the last node down (disk lost) during the burst, then back empty (with membership)")
        lines.append("N      missed entries   missed bytes   bytes received   ratio   ms to catch up")
        for size in catchUpSizes {
            let result = BurstExperiment.catchUp(nodeCount: size, writes: writes)
            lines.append(
                pad(String(size), 7) + pad(String(result.missedWrites), 17)
                    + pad(String(result.missedBytes), 15)
                    + pad(String(result.bytesReceived), 17) + pad(format(result.ratio, decimals: 2) + "x", 8)
                    + (result.millisecondsToCatchUp.map(String.init) ?? "not within 120 s"))
        }
        lines.append(
            "one write reaching all N nodes (engine alone, no faults; a round is one 200 ms interval)")
        lines.append("N      ms to all   rounds   ceil(log2 N) + 3")
        for size in spreadSizes {
            let result = SpreadExperiment.run(nodeCount: size)
            var bound = 0
            while (1 << bound) < size { bound += 1 }
            lines.append(
                pad(String(size), 7) + pad(String(result.millisecondsToReachAll), 12)
                    + pad(format(result.rounds, decimals: 2), 9) + String(bound + 3))
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double, decimals: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

extension String {
    fileprivate var replacingHonest: String {
        hasPrefix("honest ") ? String(dropFirst("honest ".count)) : self
    }
}
