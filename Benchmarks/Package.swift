// swift-tools-version: 6.1
// Benchmarks of GossipKVCore, kept out of the main package so that `swift build` and CI never
// build them. Run everything with `bash Benchmarks/run.sh` (see the README there).
import PackageDescription

let package = Package(
    name: "GossipKVBenchmarks",
    dependencies: [
        .package(name: "GossipKV", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "CoreBench",
            dependencies: [
                .product(name: "GossipKVCore", package: "GossipKV"),
                .product(name: "GossipKVSimulation", package: "GossipKV"),
            ]
        ),
        // Recovery, appends per fsync policy, group commit, snapshots (bash storage-bench.sh).
        .executableTarget(
            name: "StorageBench",
            dependencies: [
                .product(name: "GossipKVCore", package: "GossipKV"),
                .product(name: "GossipKVStorage", package: "GossipKV"),
            ]
        ),
        // Signed envelopes sealed and opened per second (one thread), for cluster-bench.sh.
        .executableTarget(
            name: "CryptoBench",
            dependencies: [
                .product(name: "GossipKVCore", package: "GossipKV"),
                .product(name: "GossipKVCrypto", package: "GossipKV"),
            ]
        ),
    ]
)
