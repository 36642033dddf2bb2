// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "GossipKV",
    products: [
        .library(name: "GossipKVCore", targets: ["GossipKVCore"]),
        .library(name: "GossipKVSimulation", targets: ["GossipKVSimulation"]),
        .library(name: "GossipKVCrypto", targets: ["GossipKVCrypto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        .target(
            name: "GossipKVCore",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
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
                "GossipKVCore", "GossipKVSimulation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "GossipKVCryptoTests", dependencies: ["GossipKVCrypto", "GossipKVCore"]),
    ]
)
