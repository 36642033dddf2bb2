import Foundation
import TestSupport
import Testing

/// Real `gossipkv node` processes on a LAN made of network namespaces (a bridge and veth pairs
/// the test creates and deletes): nothing leaves the machine.
@Suite(
    "nodes on a namespace LAN", .ownThreads, .serialized,
    .enabled(if: LabCluster.isAvailable, "\(LabCluster.unavailableReason)"))
struct NamespaceClusterTests {
    @Test(
        "nodes discover each other by multicast with no configuration and replicate writes and deletes both ways",
        arguments: [2, 3])
    func zeroConfigurationDiscovery(hosts: Int) throws {
        let cluster = try LabCluster(hosts: hosts)
        defer { cluster.tearDown() }
        for index in 0..<hosts { try cluster.start(index) }
        for index in 0..<hosts {
            #expect(
                LabCluster.eventually { cluster.aliveMembers(on: index) == hosts },
                "host \(index):\n\(cluster.log(index))")
        }
        #expect(cluster.redis(0, ["SET", "greeting", "hello"]) == "OK")
        #expect(LabCluster.eventually { cluster.redis(hosts - 1, ["GET", "greeting"]) == "hello" })
        #expect(cluster.redis(hosts - 1, ["DEL", "greeting"]) == "1")
        #expect(cluster.redis(hosts - 1, ["SET", "reply", "from the last"]) == "OK")
        #expect(LabCluster.eventually { cluster.redis(0, ["EXISTS", "greeting"]) == "0" })
        #expect(LabCluster.eventually { cluster.redis(0, ["GET", "reply"]) == "from the last" })
        #expect(cluster.log(0).contains("OPEN"), "the open cluster is announced with a warning")
    }

    @Test("static --join works with multicast off")
    func staticSeeds() throws {
        let cluster = try LabCluster(hosts: 2)
        defer { cluster.tearDown() }
        try cluster.start(0, ["--no-multicast"])
        try cluster.start(1, ["--no-multicast", "--join", "\(cluster.lab.address(of: 0)):7377"])
        #expect(
            LabCluster.eventually { cluster.aliveMembers(on: 0) == 2 && cluster.aliveMembers(on: 1) == 2 })
        #expect(cluster.redis(1, ["SET", "k", "v"]) == "OK")
        #expect(LabCluster.eventually { cluster.redis(0, ["GET", "k"]) == "v" })
    }

    @Test("a partitioned node keeps taking writes, and both sides converge after heal")
    func partitionHeals() throws {
        let cluster = try LabCluster(hosts: 3)
        defer { cluster.tearDown() }
        // The passphrase from a file (never argv); Argon2id MODERATE takes seconds per node.
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-lab-\(UUID().uuidString)"
        ).path
        try "lab words\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secretFile) }
        for index in 0..<3 {
            try cluster.start(index, ["--cluster-secret-file", secretFile, "--cluster-name", "lab"])
        }
        #expect(
            LabCluster.eventually(within: 60) { (0..<3).allSatisfy { cluster.aliveMembers(on: $0) == 3 } })
        try cluster.lab.setConnected(2, false)
        #expect(cluster.redis(2, ["SET", "island", "written while cut off"]) == "OK")
        #expect(cluster.redis(0, ["SET", "mainland", "written meanwhile"]) == "OK")
        #expect(cluster.redis(0, ["SET", "contested", "older"]) == "OK")
        usleep(20_000)
        #expect(cluster.redis(2, ["SET", "contested", "newer"]) == "OK")
        usleep(300_000)
        #expect(cluster.redis(0, ["GET", "island"]).isEmpty)
        try cluster.lab.setConnected(2, true)
        for index in 0..<3 {
            #expect(
                LabCluster.eventually(within: 30) {
                    cluster.redis(index, ["GET", "island"]) == "written while cut off"
                        && cluster.redis(index, ["GET", "mainland"]) == "written meanwhile"
                        && cluster.redis(index, ["GET", "contested"]) == "newer"
                }, "host \(index):\n\(cluster.log(index))")
        }
    }

    @Test("a killed member is marked dead; restarted, it refutes and rejoins")
    func failureDetection() throws {
        let cluster = try LabCluster(hosts: 3)
        defer { cluster.tearDown() }
        let dataDirectory = cluster.logDirectory.appendingPathComponent("h2-data").path
        for index in 0..<2 { try cluster.start(index) }
        try cluster.start(2, ["--data-dir", dataDirectory])
        #expect(LabCluster.eventually { (0..<3).allSatisfy { cluster.aliveMembers(on: $0) == 3 } })
        cluster.stop(2, kill: true)
        #expect(
            LabCluster.eventually(within: 20) {
                cluster.redis(0, ["INFO", "cluster"]).contains("name=h2,")
                    && cluster.redis(0, ["INFO", "cluster"]).contains("state=dead")
            }, "\(cluster.redis(0, ["INFO", "cluster"]))")
        #expect(cluster.aliveMembers(on: 1) == 2)
        try cluster.start(2, ["--data-dir", dataDirectory])
        #expect(
            LabCluster.eventually(within: 20) { (0..<3).allSatisfy { cluster.aliveMembers(on: $0) == 3 } })
    }
}
