import PropertyBased
import Testing

@testable import GossipKVCore

/// One complete anti-entropy exchange: `asker` sends its digest, `answerer` returns its delta,
/// the asker applies every entry and adopts the answerer's watermarks only if none was rejected.
/// Returns the entries sent.
@discardableResult
func sync(_ asker: inout Replica, from answerer: Replica, physical: UInt64) -> [Entry] {
    let delta = answerer.map.delta(for: asker.digest)
    var rejected = false
    for entry in delta {
        if case .failure = asker.applyRemote(entry, physical: physical) { rejected = true }
    }
    if !rejected { asker.adopt(answerer.digest) }
    return delta
}

/// The error a write throws, or nil when it succeeds.
func writeError(
    _ replica: inout Replica, _ key: [UInt8], value: [UInt8]?, physical: UInt64
) -> WriteError? {
    do {
        _ = try replica.write(key, value: value, physical: physical)
        return nil
    } catch {
        return error
    }
}

@Suite("Replica")
struct ReplicaTests {
    static let (a, b, c) = (TestData.origins[0], TestData.origins[1], TestData.origins[2])
    static let t0 = TestData.basePhysical
    static let key: [UInt8] = Array("k".utf8)

    @Test(
        "a superseded entry: A writes k, B overwrites it later; C syncing from both, in either order, ends with B's value and both watermarks",
        arguments: [true, false], [true, false])
    func supersededEntryReachesThirdReplica(bSawA: Bool, aFirst: Bool) {
        var replicaA = Replica(id: Self.a)
        var replicaB = Replica(id: Self.b)
        var replicaC = Replica(id: Self.c)
        guard let (writeA, _) = try? replicaA.write(Self.key, value: Array("from A".utf8), physical: Self.t0)
        else {
            Issue.record("write refused")
            return
        }
        if bSawA {
            // B learns A's write, then overwrites it: A's entry leaves A's index at B.
            sync(&replicaB, from: replicaA, physical: Self.t0 + 1)
            #expect(replicaB.digest[Self.a] == writeA.timestamp)
        }
        guard
            let (writeB, _) = try? replicaB.write(
                Self.key, value: Array("from B".utf8), physical: Self.t0 + 2)
        else {
            Issue.record("write refused")
            return
        }
        #expect(writeB.wins(over: writeA))
        if bSawA {
            #expect(replicaB.map.entries(from: Self.a, after: .zero).isEmpty)
        }

        let physical = Self.t0 + 3
        if aFirst {
            sync(&replicaC, from: replicaA, physical: physical)
            #expect(replicaC.get(Self.key, physical: physical) == Array("from A".utf8))
            sync(&replicaC, from: replicaB, physical: physical)
        } else {
            let fromB = sync(&replicaC, from: replicaB, physical: physical)
            #expect(fromB == [writeB])
            let fromA = sync(&replicaC, from: replicaA, physical: physical)
            // When B had seen A's write, B's digest already vouches for it: A sends nothing.
            #expect(fromA == (bSawA ? [] : [writeA]))
        }
        #expect(replicaC.get(Self.key, physical: physical) == Array("from B".utf8))
        #expect(replicaC.map.entry(forKey: Self.key) == writeB)
        #expect(replicaC.digest[Self.a] == writeA.timestamp)
        #expect(replicaC.digest[Self.b] == writeB.timestamp)
        // Nothing more to exchange with either.
        #expect(replicaA.map.delta(for: replicaC.digest).isEmpty)
        #expect(replicaB.map.delta(for: replicaC.digest).isEmpty)
        #expect(replicaC.map.stateHash == replicaB.map.stateHash)
    }

    @Test("a local write raises the own watermark and returns the previous one, which proves contiguity")
    func writeRaisesOwnWatermark() throws {
        var replica = Replica(id: Self.a)
        var previous = HLCTimestamp.zero
        for (offset, physical) in [Self.t0, Self.t0, Self.t0 + 5, Self.t0 + 2].enumerated() {
            let (entry, previousOwnWrite) = try replica.write([UInt8(offset)], value: [1], physical: physical)
            #expect(previousOwnWrite == previous)
            #expect(replica.digest[Self.a] == entry.timestamp)
            #expect(entry.timestamp > previous)
            #expect(entry.origin == Self.a)
            previous = entry.timestamp
        }
    }

    @Test(
        "a replica under a new data epoch writes as a new origin, claims nothing of its old one, and gets the old writes back by a complete sync"
    )
    func newEpochWritesAsNewOrigin() throws {
        let epoch: UInt64 = 0x5EED
        var lost = Replica(id: Self.a, epoch: epoch)
        #expect(lost.origin == NodeID.origin(node: Self.a, epoch: epoch))
        #expect(lost.origin != Self.a)
        var previous: HLCTimestamp?
        for index in 0..<5 {
            let (entry, previousOwnWrite) = try lost.write(
                [UInt8(index)], value: [1], physical: Self.t0 + UInt64(index))
            #expect(entry.origin == lost.origin)
            #expect(previousOwnWrite == (previous ?? .zero))
            #expect(lost.digest[lost.origin] == entry.timestamp)
            #expect(lost.digest[Self.a] == .zero, "no claim about the old origin's writes")
            previous = entry.timestamp
        }
        // A peer that holds the earlier writes answers completely: now the old origin's claim is true.
        var peer = Replica(id: Self.b)
        var earlier = Replica(id: Self.a)  // the lost replica's previous life, epoch 0
        let (old, _) = try earlier.write([99], value: [9], physical: Self.t0 - 10_000)
        sync(&peer, from: earlier, physical: Self.t0)
        sync(&lost, from: peer, physical: Self.t0 + 10)
        #expect(lost.digest[Self.a] == old.timestamp)
        #expect(lost.map.entry(forKey: [99]) == old)
        #expect(lost.digest[lost.origin] == previous)
    }

    @Test("a restored replica's clock starts above the persisted ceiling and above every timestamp it holds")
    func restoredClockStartsAboveEverything() throws {
        var writer = Replica(id: Self.b)
        let (ahead, _) = try writer.write([1], value: [1], physical: Self.t0 + 5_000)
        let low = HLCTimestamp(physical: Self.t0)
        var restored = Replica(id: Self.a, restoring: [ahead], digest: Digest(), clockCeiling: low)
        let (next, _) = try restored.write([2], value: [2], physical: Self.t0)
        #expect(next.timestamp > ahead.timestamp)
        let high = HLCTimestamp(physical: Self.t0 + 9_000)
        var aboveCeiling = Replica(id: Self.a, restoring: [ahead], digest: Digest(), clockCeiling: high)
        #expect(try aboveCeiling.write([3], value: [3], physical: Self.t0).entry.timestamp > high)
    }

    @Test("the origin of epoch 0 is the node id; other epochs give fixed, distinct origins")
    func originsOfEpochs() {
        #expect(NodeID.origin(node: Self.a, epoch: 0) == Self.a)
        let origins = (1...50).map { NodeID.origin(node: Self.a, epoch: UInt64($0)) }
        #expect(Set(origins).count == 50)
        #expect(!origins.contains(Self.a))
        #expect(NodeID.origin(node: Self.b, epoch: 1) != NodeID.origin(node: Self.a, epoch: 1))
        // A fixed function: the same pair gives the same origin in every process, forever.
        #expect(
            NodeID.origin(node: NodeID(high: 1, low: 2), epoch: 3)
                == NodeID.origin(node: NodeID(high: 1, low: 2), epoch: 3))
        #expect("\(NodeID.origin(node: NodeID(high: 1, low: 2), epoch: 3))" == Self.pinnedOrigin)
    }

    /// `NodeID.origin(node: (1, 2), epoch: 3)`'s first 8 bytes, pinned: a change of the function
    /// changes the origins of persisted data.
    static let pinnedOrigin = "5b601abc00d7972d"

    @Test("advanceContiguous moves a watermark only when the push's previous timestamp equals it")
    func advanceContiguousRules() {
        var replica = Replica(id: Self.c)
        let (first, second, third) = (
            HLCTimestamp(physical: 10), HLCTimestamp(physical: 20), HLCTimestamp(physical: 30)
        )
        func advance(previous: HLCTimestamp, to timestamp: HLCTimestamp) -> Bool {
            replica.advanceContiguous(origin: Self.a, previous: previous, to: timestamp)
        }
        // From nothing: a push whose previous is zero (the origin's first write) proves contiguity.
        #expect(advance(previous: .zero, to: first))
        #expect(replica.digest[Self.a] == first)
        // A gap: the push names a write we have not seen.
        #expect(!advance(previous: second, to: third))
        #expect(replica.digest[Self.a] == first)
        // The missing write arrives, then the held-back one proves contiguity again.
        #expect(advance(previous: first, to: second))
        #expect(advance(previous: second, to: third))
        #expect(replica.digest[Self.a] == third)
        // Replays and non-advancing pushes change nothing.
        #expect(!advance(previous: second, to: third))
        #expect(!advance(previous: third, to: third))
        #expect(!advance(previous: third, to: second))
        #expect(replica.digest[Self.a] == third)
        #expect(replica.digest[Self.b] == .zero)
    }

    @Test("writes past the limits throw WriteError with a message naming size and limit, and change nothing")
    func writeLimits() throws {
        var limits = Limits()
        limits.maxKeyBytes = 4
        limits.maxValueBytes = 8
        var replica = Replica(id: Self.a, limits: limits)
        _ = try replica.write([1, 2, 3, 4], value: Array(repeating: 0, count: 8), physical: Self.t0)
        let before = (replica.clock.last, replica.digest, replica.map.stateHash)

        #expect(
            writeError(&replica, [1, 2, 3, 4, 5], value: [1], physical: Self.t0 + 1)
                == WriteError.keyTooLarge(bytes: 5, limit: 4))
        #expect(
            writeError(&replica, [1], value: Array(repeating: 0, count: 9), physical: Self.t0 + 1)
                == WriteError.valueTooLarge(bytes: 9, limit: 8))
        #expect(
            writeError(&replica, [1, 2, 3, 4, 5], value: nil, physical: Self.t0 + 1)
                == WriteError.keyTooLarge(bytes: 5, limit: 4))
        #expect(replica.clock.last == before.0)
        #expect(replica.digest == before.1)
        #expect(replica.map.stateHash == before.2)
        #expect(replica.map.count == 1)

        #expect(
            WriteError.keyTooLarge(bytes: 70_000, limit: 65_536).description
                == "key is 70000 bytes; the cluster's limit is 65536 bytes")
        #expect(
            WriteError.valueTooLarge(bytes: 9_000_000, limit: 8_388_608).description
                == "value is 9000000 bytes; the cluster's limit is 8388608 bytes")
    }

    @Test("the default limits accept a 64 KiB key and an 8 MiB value, and refuse one byte more")
    func defaultLimitsBoundary() throws {
        var replica = Replica(id: Self.a)
        let key = [UInt8](repeating: 7, count: 64 * 1024)
        let value = [UInt8](repeating: 1, count: 8 * 1024 * 1024)
        _ = try replica.write(key, value: value, physical: Self.t0)
        #expect(
            writeError(&replica, key + [0], value: [1], physical: Self.t0)
                == WriteError.keyTooLarge(bytes: 64 * 1024 + 1, limit: 64 * 1024))
        #expect(
            writeError(&replica, [1], value: value + [0], physical: Self.t0)
                == WriteError.valueTooLarge(bytes: 8 * 1024 * 1024 + 1, limit: 8 * 1024 * 1024))
    }

    @Test(
        "remote entries past the limits or the max clock offset are rejected with a reason and change nothing"
    )
    func remoteRejections() {
        var limits = Limits()
        limits.maxKeyBytes = 4
        limits.maxValueBytes = 8
        var replica = Replica(id: Self.a, limits: limits, maxClockOffsetMilliseconds: 500)
        let now = Self.t0
        func apply(_ entry: Entry) -> Result<LWWMap.MergeOutcome, EntryRejection> {
            replica.applyRemote(entry, physical: now)
        }
        func remote(key: [UInt8] = [1], value: [UInt8]? = [1], physical: UInt64) -> Entry {
            Entry(key: key, value: value, timestamp: HLCTimestamp(physical: physical), origin: Self.b)
        }
        #expect(apply(remote(key: [1, 2, 3, 4, 5], physical: now)) == .failure(.keyTooLarge))
        #expect(
            apply(remote(value: Array(repeating: 0, count: 9), physical: now)) == .failure(.valueTooLarge))
        #expect(apply(remote(physical: now + 501)) == .failure(.clockTooFarAhead))
        #expect(replica.map.count == 0)
        #expect(replica.clock.last == .zero)
        #expect(apply(remote(value: nil, physical: now + 500)) == .success(.inserted))
        #expect(replica.clock.last > HLCTimestamp(physical: now + 500))
    }

    @Test("after merging a remote entry from a clock ahead of ours, a local write of the same key still wins")
    func localWriteWinsAfterRemote() throws {
        var replica = Replica(id: Self.a)
        let ahead = Entry(
            key: Self.key, value: [1], timestamp: HLCTimestamp(physical: Self.t0 + 400, logical: 9),
            origin: Self.b)
        let outcome = replica.applyRemote(ahead, physical: Self.t0)
        #expect(outcome == .success(.inserted))
        let (entry, _) = try replica.write(Self.key, value: [2], physical: Self.t0 + 1)
        #expect(entry.wins(over: ahead))
        #expect(replica.get(Self.key, physical: Self.t0 + 1) == [2])
    }

    @Test("reads honour expiry at the later of the clock and the wall time, without ticking the clock")
    func readsHonourExpiry() throws {
        var replica = Replica(id: Self.a)
        let deadline = HLCTimestamp(physical: Self.t0 + 1000)
        let (entry, _) = try replica.write(Self.key, value: [1], expiry: deadline, physical: Self.t0)
        #expect(replica.get(Self.key, physical: Self.t0 + 999) == [1])
        #expect(replica.get(Self.key, physical: Self.t0 + 1000) == nil)
        #expect(replica.clock.last == entry.timestamp)
        // The clock, pushed ahead by a remote timestamp, is "now" even if the wall clock lags.
        _ = try replica.observe(HLCTimestamp(physical: Self.t0 + 1200), physical: Self.t0 + 900)
        #expect(replica.get(Self.key, physical: Self.t0 + 900) == nil)
    }

    @Test("restoring a replica keeps its entries and watermarks and starts its clock above the ceiling")
    func restoring() throws {
        var original = Replica(id: Self.a)
        for index in 0..<10 {
            _ = try original.write([UInt8(index)], value: [UInt8(index)], physical: Self.t0 + UInt64(index))
        }
        let restored = Replica(
            id: Self.a, restoring: original.map.sortedEntries(), digest: original.digest,
            clockCeiling: original.clock.last)
        expectSameState(restored.map, original.map)
        #expect(restored.digest == original.digest)
        var next = restored
        let (entry, previous) = try next.write([0], value: [0], physical: Self.t0)  // wall clock went back
        #expect(entry.timestamp > original.clock.last)
        #expect(previous == original.digest[Self.a])
    }

    /// One step of the random three-replica run.
    enum Step: Sendable {
        case write(node: Int, key: Int, value: Int?)
        case push(to: Int)  // deliver one pending eager push (chosen by `pick`)
        case sync(asker: Int, answerer: Int)
    }

    static let steps = zip(
        Gen.int(in: 0...9), Gen.int(in: 0...2), Gen.int(in: 0...2), Gen.int(in: 0...4),
        Gen.int(in: 0...3).optional
    )
    .map { kind, first, second, key, value -> Step in
        switch kind {
        case 0...4: return .write(node: first, key: key, value: value)
        case 5...7: return .push(to: first)
        default: return .sync(asker: first, answerer: second)
        }
    }
    .array(of: 1...60)

    @Test(
        "watermarks never claim a write a replica lacks, under out-of-order pushes and syncs; full syncs converge"
    )
    func watermarksAreHonestAndSyncsConverge() async {
        await propertyCheck(count: 200, input: zip(Self.steps, Gen.int(in: 0...Int.max))) { steps, seed in
            var generator = SplitMix64(seed: UInt64(seed))
            var replicas = TestData.origins.map { Replica(id: $0) }
            var writes: [Entry] = []
            var pending: [[(entry: Entry, previous: HLCTimestamp?)]] = [[], [], []]
            var physical = TestData.basePhysical
            for step in steps {
                physical += generator.next() % 2
                switch step {
                case let .write(node, key, value):
                    guard
                        let (entry, previous) = try? replicas[node].write(
                            TestData.key(key), value: value.map(TestData.value), physical: physical)
                    else {
                        Issue.record("write refused")
                        return
                    }
                    writes.append(entry)
                    for peer in 0..<3 where peer != node { pending[peer].append((entry, previous)) }
                case let .push(peer):
                    guard !pending[peer].isEmpty else { continue }
                    let (entry, previous) = pending[peer].remove(
                        at: Int(generator.next() % UInt64(pending[peer].count)))
                    if case .failure(let reason) = replicas[peer].applyRemote(entry, physical: physical) {
                        Issue.record("push rejected: \(reason)")
                    }
                    if let previous {
                        replicas[peer].advanceContiguous(
                            origin: entry.origin, previous: previous, to: entry.timestamp)
                    }
                case let .sync(asker, answerer):
                    guard asker != answerer else { continue }
                    let answer = replicas[answerer]
                    sync(&replicas[asker], from: answer, physical: physical)
                }
                // Honest watermarks: every write at or below a watermark is held, or beaten.
                for replica in replicas {
                    for write in writes where write.timestamp <= replica.digest[write.origin] {
                        guard let held = replica.map.entry(forKey: write.key) else {
                            Issue.record("\(replica.id) claims \(write) but holds nothing for its key")
                            continue
                        }
                        #expect(
                            held == write || held.wins(over: write),
                            "\(replica.id) claims \(write) but holds \(held)")
                    }
                }
            }
            // Two rounds of full pairwise syncs: all replicas equal, and every watermark at the
            // origin's last write.
            for _ in 0..<2 {
                for asker in 0..<3 {
                    for answerer in 0..<3 where answerer != asker {
                        let answer = replicas[answerer]
                        sync(&replicas[asker], from: answer, physical: physical)
                    }
                }
            }
            for replica in replicas.dropFirst() {
                expectSameState(replica.map, replicas[0].map)
                #expect(replica.digest == replicas[0].digest)
            }
            #expect(replicas[0].map.sortedEntries() == winners(of: writes))
            for origin in TestData.origins {
                let last = writes.filter { $0.origin == origin }.map(\.timestamp).max() ?? .zero
                #expect(replicas[0].digest[origin] == last)
            }
        }
    }
}
