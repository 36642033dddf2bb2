import Foundation
import GossipKVSimulation
import Testing

/// Prints the replication cost figures of issue 12 (a table, never asserted: speed and bytes
/// belong to benchmarks). Off by default; `GOSSIPKV_BURST_REPORT=on swift test --filter
/// ReplicationCostReport` prints it, `GOSSIPKV_BURST_WRITES=N` changes the burst (100,000).
/// The same table comes from `bash Benchmarks/run.sh` in release mode (section e).
@Suite("replication cost report (GOSSIPKV_BURST_REPORT=on)")
struct ReplicationCostReport {
    static let enabled = ProcessInfo.processInfo.environment["GOSSIPKV_BURST_REPORT"] == "on"
    static let writes =
        ProcessInfo.processInfo.environment["GOSSIPKV_BURST_WRITES"].flatMap(Int.init) ?? 100_000

    @Test(
        "prints bytes per write per receiver, catch-up bytes and dissemination rounds", .enabled(if: enabled))
    func printTable() async {
        let table = await BackgroundThreads.run {
            BurstReport.table(
                writes: Self.writes, sizes: [3, 10, 20], catchUpSizes: [3, 10], spreadSizes: [1_000])
        }
        print(table)
    }
}
