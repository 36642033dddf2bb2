import GossipKVCore
import PropertyBased
import Testing

/// The drop rule (`GossipEngine+Collection.swift`) and bucket exchanges
/// (`GossipEngine+BucketExchange.swift`), engine against engine.
@Suite("garbage collection and bucket exchanges")
struct GarbageCollectionTests {
    static let grace: UInt64 = 10_000

    static var config: GossipConfig {
        var config = GossipConfig()
        config.tombstoneGracePeriodMilliseconds = grace
        config.collectionIntervalMilliseconds = 1_000
        return config
    }

    static func key(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every pair completes a round, so every engine knows every peer's current digest.
    static func syncAll(_ harness: inout EngineHarness, count: UInt64) {
        for a in 1...count {
            for b in 1...count where a != b { harness.round(from: a, to: b) }
        }
    }

    /// Ticks every engine at `time` and returns what each collected.
    static func collect(_ harness: inout EngineHarness, count: UInt64, at time: UInt64) -> [UInt64: [Entry]] {
        var result: [UInt64: [Entry]] = [:]
        for node in 1...count {
            for directive in harness.tick(node, at: time) {
                if case let .collected(entry) = directive { result[node, default: []].append(entry) }
            }
        }
        return result
    }

    @Test("the age test: a tombstone past the grace period, an expired value past it, never a live value")
    func ageTest() async {
        await propertyCheck(input: Gen.uint64(in: 1_000...1_000_000), Gen.uint64(in: 0...100_000)) {
            written, grace in
            let origin = NodeID(high: 1, low: 1)
            let at = HLCTimestamp(physical: written)
            let tombstone = Entry(key: [1], value: nil, timestamp: at, origin: origin)
            let value = Entry(key: [1], value: [2], timestamp: at, origin: origin)
            let expiring = Entry(
                key: [1], value: [2], timestamp: at, origin: origin,
                expiry: HLCTimestamp(physical: written + 5))
            for elapsed: UInt64 in [0, grace, grace + 1, grace + 5, grace + 6] {
                let now = HLCTimestamp(physical: written + elapsed)
                #expect(LWWMap.isPastGrace(tombstone, at: now, graceMilliseconds: grace) == (elapsed > grace))
                #expect(
                    LWWMap.isPastGrace(expiring, at: now, graceMilliseconds: grace) == (elapsed > grace + 5))
                #expect(!LWWMap.isPastGrace(value, at: now, graceMilliseconds: grace))
            }
        }
    }

    @Test("removing entries keeps the bucket hashes, the state hash and the delta exact")
    func removalKeepsMapConsistent() async {
        await propertyCheck(count: 100, input: WireGen.entry.array(of: 0...30), Gen.uint64()) {
            entries, mask in
            var map = LWWMap()
            for entry in entries { map.merge(entry) }
            var rebuilt = LWWMap()
            for (index, entry) in map.sortedEntries().enumerated() {
                if mask >> UInt64(index % 64) & 1 == 1 {
                    let removed = map.remove(entry)
                    #expect(removed)
                } else {
                    rebuilt.merge(entry)
                }
            }
            #expect(map.stateHash == rebuilt.stateHash)
            #expect(map.bucketHashes == rebuilt.bucketHashes)
            #expect(map.sortedEntries() == rebuilt.sortedEntries())
            #expect(map.delta(for: Digest()) == rebuilt.delta(for: Digest()))
        }
    }

    @Test("a tombstone is collected everywhere once it is past the grace period and every digest covers it")
    func collectsWhenCoveredAndOld() throws {
        var harness = EngineHarness(count: 3, config: Self.config)
        harness.write(1, "a", "1")
        harness.write(1, "a", nil)
        Self.syncAll(&harness, count: 3)
        let early = Self.collect(&harness, count: 3, at: harness.now + Self.grace)
        #expect(early.isEmpty)
        let late = Self.collect(&harness, count: 3, at: harness.now + Self.grace + 1_001)
        #expect(late.keys.sorted() == [1, 2, 3])
        for node: UInt64 in 1...3 {
            #expect(harness.replica(node)?.map.count == 0)
            #expect(harness.replica(node)?.map.stateHash == 0)
        }
    }

    @Test("this node's own coverage counts only as far as the shell reported it durable")
    func onlyTheDurableDigestCounts() throws {
        var harness = EngineHarness(count: 2, config: Self.config)
        harness.write(1, "a", "1")
        harness.write(1, "a", nil)
        Self.syncAll(&harness, count: 2)
        let tombstone = try #require(harness.replica(2)?.map.entry(forKey: Self.key("a")))
        #expect(harness.replica(2)?.digest[tombstone.origin] ?? .zero >= tombstone.timestamp)
        // Node 2 holds the tombstone and its watermarks cover it, but its disk does not yet.
        harness.engines[EngineHarness.id(2)]?.markDurable(Digest())
        let late = harness.now + Self.grace + 1_001
        #expect(Self.collect(&harness, count: 2, at: late)[2] == nil)
        #expect(harness.replica(2)?.map.count == 1)
        // Once the fsync covers it, it counts.
        let durable = try #require(harness.replica(2)?.digest)
        harness.engines[EngineHarness.id(2)]?.markDurable(durable)
        #expect(Self.collect(&harness, count: 2, at: late + 1_001)[2] == [tombstone])
    }

    @Test("a peer whose digest does not cover the tombstone, or is unknown, holds collection back")
    func uncoveredPeerBlocks() throws {
        var harness = EngineHarness(count: 3, config: Self.config)
        harness.write(1, "a", "1")
        harness.write(1, "a", nil)
        // Node 3 hears nothing: its digest (known to 1 and 2 from the harness's first rounds)
        // does not cover the delete.
        harness.round(from: 1, to: 2)
        harness.round(from: 2, to: 1)
        let blocked = Self.collect(&harness, count: 2, at: harness.now + Self.grace + 2_000)
        #expect(blocked.isEmpty)
        #expect(harness.replica(1)?.map.count == 1)
        // A peer added anew has no known digest: it blocks too until it sends one.
        var engine = try #require(harness.engines[EngineHarness.id(1)])
        engine.removePeer(EngineHarness.id(3))
        engine.addPeer(EngineHarness.id(3))
        #expect(engine.peerDigests[EngineHarness.id(3)] == nil)
    }

    @Test("an older write of a collected key is refused within the echo window and merged after it")
    func collectionEcho() throws {
        var config = Self.config
        config.collectionEchoMilliseconds = 5_000
        var harness = EngineHarness(count: 2, config: config)
        harness.write(1, "a", "old")
        let old = try #require(harness.replica(1)?.map.entry(forKey: Self.key("a")))
        harness.write(1, "a", nil)
        Self.syncAll(&harness, count: 2)
        _ = Self.collect(&harness, count: 2, at: harness.now + Self.grace + 1_001)
        #expect(harness.replica(2)?.map.count == 0)
        // A delayed copy of the old value arrives: refused, it is an echo of a collected key.
        let push = GossipMessage.push(Push(hops: 1, items: [Push.Item(entry: old, previousTimestamp: nil)]))
        harness.run([.send(push, to: EngineHarness.id(2))], from: EngineHarness.id(1))
        #expect(harness.replica(2)?.map.count == 0)
        // Past the window only this replica's own evidence could refuse it, and it has none left:
        // the value is merged (the zombie limit; no digest claim keeps an entry out).
        harness.now += 5_001
        let retry = GossipMessage.syncAnswer(
            SyncAnswer(
                syncID: 77, index: 0, count: 1, phase: .buckets, digest: nil, requestedBuckets: nil,
                entries: [old]))
        harness.run([.send(retry, to: EngineHarness.id(2))], from: EngineHarness.id(1))
        #expect(harness.replica(2)?.map.entry(forKey: Self.key("a")) == old)
    }

    @Test("collection waits a grace period after the engine starts (a restart forgets who departed)")
    func noCollectionRightAfterStart() throws {
        var harness = EngineHarness(count: 2, config: Self.config)
        harness.write(1, "a", nil)
        Self.syncAll(&harness, count: 2)
        // Node 1 restarts with its state once the tombstone is past the grace period.
        let restartAt = harness.now + Self.grace + 1_001
        harness.now = restartAt
        var restarted = GossipEngine(
            replica: try #require(harness.replica(1)), config: Self.config, seed: 9, now: restartAt)
        restarted.setPeers([EngineHarness.id(1), EngineHarness.id(2)])
        harness.engines[EngineHarness.id(1)] = restarted
        Self.syncAll(&harness, count: 2)
        #expect(Self.collect(&harness, count: 1, at: restartAt + 1_000).isEmpty)
        let later = Self.collect(&harness, count: 1, at: restartAt + Self.grace + 1_001)
        #expect(later[1]?.map(\.key) == [Self.key("a")])
    }

    @Test("a node back after more than the grace period keeps its values: no peer's digest drops them")
    func returningNodeKeepsItsValues() throws {
        var harness = EngineHarness(count: 3, config: Self.config)
        harness.write(1, "doomed", "v")
        Self.syncAll(&harness, count: 3)
        // Node 3 leaves; the others delete the key and collect the tombstone without it.
        for node: UInt64 in 1...2 { harness.engines[EngineHarness.id(node)]?.removePeer(EngineHarness.id(3)) }
        harness.engines[EngineHarness.id(3)]?.removePeer(EngineHarness.id(1))
        harness.engines[EngineHarness.id(3)]?.removePeer(EngineHarness.id(2))
        harness.write(2, "doomed", nil)
        harness.write(3, "offline", "w")
        harness.round(from: 1, to: 2)
        harness.round(from: 2, to: 1)
        let collected = Self.collect(&harness, count: 2, at: harness.now + 2 * Self.grace + 2_000)
        #expect(collected[1]?.map(\.key) == [Self.key("doomed")])
        // Node 3 returns past the echo window: the pair syncs, nothing of node 3's is dropped,
        // and its offline write arrives. "doomed" is live again everywhere (the zombie limit).
        harness.now += Self.config.collectionEchoMilliseconds + 1
        for node: UInt64 in 1...2 { harness.engines[EngineHarness.id(node)]?.addPeer(EngineHarness.id(3)) }
        harness.engines[EngineHarness.id(3)]?.addPeer(EngineHarness.id(1))
        harness.engines[EngineHarness.id(3)]?.addPeer(EngineHarness.id(2))
        harness.round(from: 3, to: 1)
        harness.round(from: 1, to: 3)
        #expect(harness.replica(3)?.map.entry(forKey: Self.key("doomed"))?.value == Array("v".utf8))
        #expect(harness.replica(1)?.map.entry(forKey: Self.key("offline"))?.value == Array("w".utf8))
        #expect(harness.replica(1)?.map.stateHash == harness.replica(3)?.map.stateHash)
        #expect(
            harness.directives[EngineHarness.id(3)]?.contains {
                if case .collected = $0 { true } else { false }
            } != true)
    }

    @Test(
        "a reconcile opening is answered as a bucket exchange: our entries go, none is dropped, none adopted")
    func reconcileIsABucketExchange() throws {
        var harness = EngineHarness(count: 2, config: Self.config)
        harness.write(1, "a", "1")
        harness.write(2, "b", "2")
        let two = try #require(harness.replica(2))
        let opening = GossipMessage.reconcile(
            Reconcile(
                syncID: 9, digest: try #require(harness.replica(1)).digest,
                hashes: try #require(harness.replica(1)).map.bucketHashes.map {
                    UInt32(truncatingIfNeeded: $0)
                }))
        harness.run([.send(opening, to: EngineHarness.id(2))], from: EngineHarness.id(1))
        // Node 2 sent its entries of the differing buckets; node 1 never opened a reconcile, so
        // it does not answer the request for its own (an unsolicited request draws nothing out).
        #expect(harness.replica(1)?.map.count == 2)
        #expect(harness.replica(2)?.map.sortedEntries() == two.map.sortedEntries())
        // Bucket hashes are no proof: node 2 adopted no watermark from the exchange.
        #expect(harness.replica(2)?.digest == two.digest)
    }
}
