import Foundation
import GossipKVSimulation
import Testing

/// Prints the replication cost figures of issue 12 (a table, never asserted: speed and bytes
/// belong to benchmarks). Off by default; `GOSSIPKV_BURST_REPORT=on swift test --filter
/// ReplicationCostReport` prints it, `GOSSIPKV_BURST_WRITES=N` changes the burst (100,000),
/// `GOSSIPKV_BURST_SIZES=3,10` the cluster sizes.
/// The same table comes from `bash Benchmarks/run.sh` in release mode (section e).
@Suite("replication cost report (GOSSIPKV_BURST_REPORT=on)")
struct ReplicationCostReport {
    static let enabled = ProcessInfo.processInfo.environment["GOSSIPKV_BURST_REPORT"] == "on"
    static let writes =
        ProcessInfo.processInfo.environment["GOSSIPKV_BURST_WRITES"].flatMap(Int.init) ?? 100_000
    /// `GOSSIPKV_BURST_SIZES=10` (a comma-separated list) runs the burst and catch-up at those
    /// cluster sizes only and skips the 1,000-node spread: a quicker run while bisecting.
    static let sizes: [Int]? = ProcessInfo.processInfo.environment["GOSSIPKV_BURST_SIZES"].map {
        $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test(
        "prints bytes per write per receiver, catch-up bytes and dissemination rounds", .enabled(if: enabled))
    func printTable() async {
        let table = await BackgroundThreads.run {
            BurstReport.table(
                writes: Self.writes, sizes: Self.sizes ?? [3, 10, 20],
                catchUpSizes: Self.sizes ?? [3, 10], spreadSizes: Self.sizes == nil ? [1_000] : [])
        }
        print(table)
    }
}
