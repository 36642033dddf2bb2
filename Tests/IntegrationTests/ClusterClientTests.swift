import Foundation
import TestSupport
import Testing

/// redis-cli against the 3 nodes of `gossipkv cluster`: writes on one node are read on the
/// others, expiry replicates and fires on every node.
@Suite(
    "redis-cli across a 3-node cluster", .ownThreads, .serialized,
    .enabled(if: LocalClusterTests.isAvailable, "needs redis-cli and the built gossipkv binary"))
struct ClusterClientTests {
    @Test("SET, MSET, INCR, DEL, SETNX, APPEND, GETEX and SCAN on one node are seen on the others")
    func commandsAcrossNodes() async throws {
        try await ChildCluster.with(nodes: 3) { cluster in
            try #require(await cluster.waitUntilFormed(), "cluster did not form: \(cluster.log)")
            #expect(await cluster.redis(0, "SET", "a", "1") == "OK")
            #expect(await eventually { await cluster.redis(2, "GET", "a") == "1" })
            #expect(await cluster.redis(1, "MSET", "m1", "x", "m2", "y") == "OK")
            #expect(await eventually { await cluster.redis(0, "MGET", "m1", "m2", "none") == "x\ny" })
            #expect(await cluster.redis(2, "INCRBY", "a", "41") == "42")
            #expect(await eventually { await cluster.redis(0, "GET", "a") == "42" })
            #expect(await cluster.redis(0, "SETNX", "nx", "first") == "1")
            #expect(await eventually { await cluster.redis(1, "EXISTS", "nx") == "1" })
            #expect(await cluster.redis(1, "SETNX", "nx", "second") == "0")
            #expect(await cluster.redis(1, "APPEND", "nx", "+more") == "10")
            #expect(await eventually { await cluster.redis(2, "GET", "nx") == "first+more" })
            let extendedAt = Date()
            #expect(await cluster.redis(2, "GETEX", "nx", "EX", "100") == "first+more")
            // The deadline replicates; the TTL a reader sees falls by a second per second from it
            // (on a loaded machine the check may come many seconds later).
            #expect(
                await eventually {
                    let ttl = Int(await cluster.redis(0, "TTL", "nx")) ?? 0
                    let elapsed = Int(Date().timeIntervalSince(extendedAt).rounded(.up))
                    return ttl <= 100 && ttl >= 99 - elapsed && ttl > 0
                })
            #expect(await cluster.redis(0, "DEL", "m1") == "1")
            #expect(await eventually { await cluster.redis(2, "EXISTS", "m1") == "0" })
            for index in 0..<30 { _ = await cluster.redis(index % 3, "SET", "scan:\(index)", "v") }
            let expected = Set((0..<30).map { "scan:\($0)" })
            for node in 0..<3 {
                // --scan walks the cursor to the end, 10 keys a page.
                #expect(
                    await eventually {
                        Set(
                            await cluster.redis(node, "--scan", "--pattern", "scan:*").split(separator: "\n")
                                .map(String.init))
                            == expected
                    })
                #expect(await eventually { await cluster.redis(node, "DBSIZE") == "33" })
            }
            #expect(await cluster.redis(1, "CONFIG", "GET", "save") == "save")
        }
    }

    @Test(
        "SET PX 600: seen on every node before the deadline; after it gone everywhere, with an `expired` event on each node"
    )
    func expiryFiresOnEveryNode() async throws {
        try await ChildCluster.with(nodes: 3) { cluster in
            try #require(await cluster.waitUntilFormed(), "cluster did not form: \(cluster.log)")
            let subscribers = try cluster.respPorts.map { try KeyspaceSubscriber(port: $0) }
            for subscriber in subscribers {
                #expect(await eventually(within: 5) { await subscriber.received().contains("psubscribe") })
            }
            #expect(await cluster.redis(0, "SET", "kept", "1") == "OK")
            #expect(await cluster.redis(0, "SET", "k", "v", "PX", "600") == "OK")
            let written = Date()
            #expect(await eventually(within: 0.5) { await cluster.redis(1, "GET", "k") == "v" })
            #expect(await eventually(within: 0.5) { await cluster.redis(2, "GET", "k") == "v" })
            #expect(Date().timeIntervalSince(written) < 0.6, "the reads must happen before the deadline")
            // No reads of k from here until every node's sweep has reported it.
            for subscriber in subscribers {
                #expect(await eventually(within: 5) { await subscriber.count("expired", key: "k") == 1 })
            }
            #expect(Date().timeIntervalSince(written) >= 0.55)
            for node in 0..<3 {
                #expect(await cluster.redis(node, "GET", "k") == "")
                #expect(await cluster.redis(node, "TTL", "k") == "-2")
                #expect(await cluster.redis(node, "EXISTS", "k") == "0")
                #expect(await cluster.redis(node, "KEYS", "*") == "kept")
                #expect(await cluster.redis(node, "--scan") == "kept")
                #expect(await cluster.redis(node, "DBSIZE") == "1")
            }
            try await Task.sleep(for: .milliseconds(200))
            // Reads after the sweep do not report it again; each node sent `set`, `expire`, `expired`.
            for subscriber in subscribers {
                #expect(await subscriber.count("expired", key: "k") == 1)
                #expect(await subscriber.count("set", key: "k") == 1)
                #expect(await subscriber.count("expire", key: "k") == 1)
            }
        }
    }

    @Test("EXPIRE and PERSIST made on one node replicate to the others")
    func expireAndPersistReplicate() async throws {
        try await ChildCluster.with(nodes: 3) { cluster in
            try #require(await cluster.waitUntilFormed(), "cluster did not form: \(cluster.log)")
            #expect(await cluster.redis(0, "SET", "p", "v") == "OK")
            #expect(await eventually { await cluster.redis(1, "EXISTS", "p") == "1" })
            #expect(await cluster.redis(1, "EXPIRE", "p", "100") == "1")
            #expect(await eventually { (95...100).contains(Int(await cluster.redis(2, "TTL", "p")) ?? 0) })
            #expect(await cluster.redis(2, "PERSIST", "p") == "1")
            #expect(
                await eventually {
                    let first = await cluster.redis(0, "TTL", "p")
                    let second = await cluster.redis(1, "TTL", "p")
                    return first == "-1" && second == "-1"
                })
            #expect(await cluster.redis(0, "PEXPIRE", "p", "300") == "1")
            for node in 0..<3 {
                #expect(await eventually(within: 5) { await cluster.redis(node, "EXISTS", "p") == "0" })
            }
        }
    }
}
