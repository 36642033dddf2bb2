// swift-tools-version: 6.1
// libFuzzer targets for every decoder that reads bytes from outside. A separate package, so that
// `swift build` and `swift test` at the top never build it; run it with `Fuzz/run.sh [seconds]`.
import PackageDescription

let core = Target.Dependency.product(name: "GossipKVCore", package: "GossipKV")
let crypto = Target.Dependency.product(name: "GossipKVCrypto", package: "GossipKV")
let resp = Target.Dependency.product(name: "GossipKVRESP", package: "GossipKV")
let storage = Target.Dependency.product(name: "GossipKVStorage", package: "GossipKV")
let node = Target.Dependency.product(name: "GossipKVNode", package: "GossipKV")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")

let package = Package(
    name: "GossipKVFuzz",
    dependencies: [
        .package(name: "GossipKV", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [core, crypto]),
        .executableTarget(name: "FuzzEnvelope", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzSealedFrame", dependencies: ["FuzzSupport", core, crypto]),
        .executableTarget(name: "FuzzMessageBody", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzCertificate", dependencies: ["FuzzSupport", core, crypto]),
        .executableTarget(name: "FuzzRESP", dependencies: [resp, nioCore]),
        .executableTarget(name: "FuzzWALRecord", dependencies: ["FuzzSupport", core, storage]),
        .executableTarget(name: "FuzzSnapshot", dependencies: ["FuzzSupport", core, storage]),
        .executableTarget(name: "FuzzStreamFrames", dependencies: [node, nioCore, nioEmbedded]),
        .executableTarget(name: "FuzzHandshake", dependencies: ["FuzzSupport", core, crypto]),
        .executableTarget(name: "FuzzRevocation", dependencies: ["FuzzSupport", core, crypto]),
        .executableTarget(name: "FuzzReplicaMerge", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "MakeCorpus", dependencies: ["FuzzSupport", core, crypto, storage]),
    ]
)
