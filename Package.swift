// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "GossipKV",
    products: [
        .library(name: "GossipKVCore", targets: ["GossipKVCore"]),
        .library(name: "GossipKVSimulation", targets: ["GossipKVSimulation"]),
        .library(name: "GossipKVNode", targets: ["GossipKVNode"]),
        .executable(name: "gossipkv", targets: ["gossipkv"]),
        .library(name: "GossipKVCrypto", targets: ["GossipKVCrypto"]),
        .library(name: "GossipKVRESP", targets: ["GossipKVRESP"]),
        .library(name: "GossipKVStorage", targets: ["GossipKVStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // The config-file parser: libyaml plus Swift, about half the cold build cost of TOMLKit
        // (toml++) and a third of swift-configuration; its nodes carry line numbers for errors.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // TLS for Redis clients (--tls-port). Bundles BoringSSL: about 3.7 CPU-minutes more in a
        // cold debug build here (measured: NIOSSL's targets alone, user + sys).
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
    ],
    targets: [
        .target(
            name: "GossipKVCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "GossipKVSimulation",
            dependencies: [
                "GossipKVCore",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "GossipKVCrypto", dependencies: ["CSodium", "GossipKVCore"]),
        // zlib's CRC-32 for log records and snapshots (DESIGN: never a hand-rolled table).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "GossipKVStorage", dependencies: ["CZlib", "GossipKVCore"]),
        .target(
            name: "GossipKVNode",
            dependencies: [
                "GossipKVCore", "GossipKVCrypto", "GossipKVRESP", "GossipKVStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "gossipkv",
            dependencies: [
                "GossipKVNode", "GossipKVCore", "GossipKVCrypto", "GossipKVRESP", "GossipKVStorage", "GossipKVTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "GossipKVRESP",
            dependencies: [
                "GossipKVCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // TLS for the Redis port with swift-nio-ssl, apart from GossipKVRESP so that only the CLI
        // (and its tests) build BoringSSL, not the RESP fuzz target or an embedder.
        .target(
            name: "GossipKVTLS",
            dependencies: [
                "GossipKVRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Helpers every test target shares (running blocking tests off Swift concurrency's pool).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "GossipKVStorageTests",
            dependencies: [
                "GossipKVStorage", "GossipKVCore", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "GossipKVCoreTests",
            dependencies: [
                "GossipKVCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "GossipKVSimulationTests",
            dependencies: [
                "GossipKVCore", "GossipKVSimulation", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["GossipKVNode", "GossipKVCore", "TestSupport"]
        ),
        .testTarget(
            name: "GossipKVCLITests",
            dependencies: ["gossipkv", "GossipKVNode", "GossipKVCore", "GossipKVRESP", "GossipKVStorage", "TestSupport"]
        ),
        .testTarget(
            name: "GossipKVNodeTests",
            dependencies: [
                "GossipKVNode", "GossipKVCore", "GossipKVCrypto", "GossipKVRESP", "GossipKVStorage", "TestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GossipKVRESPTests",
            dependencies: [
                "GossipKVRESP", "GossipKVCore", "GossipKVTLS", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "GossipKVCryptoTests", dependencies: ["GossipKVCrypto", "GossipKVCore", "TestSupport"]),
    ]
)
