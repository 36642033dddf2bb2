import GossipKVCore
import Testing

/// The start rule the node and the simulator share (`ReplicaStart`).
@Suite("replica start: data epochs and the first write")
struct ReplicaStartTests {
    static let id = NodeID(high: 7, low: 0)
    static let now: UInt64 = 1_764_000_000_000

    static func start(_ disk: ReplicaStart.Disk, persistent: Bool = true) -> ReplicaStart {
        ReplicaStart(
            id: id, identityIsPersistent: persistent, disk: disk, maxClockOffsetMilliseconds: 500,
            physicalNow: now,
            newEpoch: { $0 == 41 ? 42 : 41 })
    }

    static func recovered(losses: [String]) -> ReplicaStart.Disk {
        var map = LWWMap()
        let mine = Entry(
            key: Array("a".utf8), value: Array("1".utf8), timestamp: HLCTimestamp(physical: now - 10),
            origin: NodeID.origin(node: id, epoch: 9))
        map.merge(mine)
        var digest = Digest()
        digest.raise(mine.origin, to: mine.timestamp)
        return .recovered(
            ReplicaStart.Recovered(
                map: map, digest: digest, clockCeiling: HLCTimestamp(physical: now + 300), dataEpoch: 9,
                possibleLosses: losses))
    }

    @Test("a directory closed cleanly keeps its epoch, its map, its watermarks and its clock ceiling")
    func cleanKeepsEpoch() {
        let start = Self.start(Self.recovered(losses: []))
        #expect(start.epoch == 9)
        #expect(start.newEpochReason == nil)
        #expect(start.firstWriteNotBefore == 0)
        #expect(start.replica.map.count == 1)
        #expect(
            start.replica.digest[NodeID.origin(node: Self.id, epoch: 9)]
                == HLCTimestamp(physical: Self.now - 10))
        #expect(start.replica.clock.last >= HLCTimestamp(physical: Self.now + 300))
    }

    @Test("any possible loss starts a new epoch, keeps what was recovered, and says why")
    func lossStartsNewEpoch() {
        let start = Self.start(Self.recovered(losses: ["the last run did not close the data directory"]))
        #expect(start.epoch != 9 && start.epoch != 0)
        #expect(start.replica.origin != NodeID.origin(node: Self.id, epoch: 9))
        #expect(start.newEpochReason == "the last run did not close the data directory")
        #expect(start.replica.map.count == 1)
        #expect(start.firstWriteNotBefore == 0)
    }

    @Test(
        "a wiped or missing directory under a persistent identity: new epoch, first write after the max offset"
    )
    func nothingOnDiskWaits() {
        for disk in [ReplicaStart.Disk.fresh, .none] {
            let start = Self.start(disk)
            #expect(start.epoch != 0)
            #expect(start.newEpochReason != nil)
            #expect(start.firstWriteNotBefore == Self.now + 500)
            #expect(start.replica.map.count == 0)
        }
    }

    @Test("a new identity starts at epoch 0 and writes at once")
    func newIdentity() {
        for disk in [ReplicaStart.Disk.fresh, .none] {
            let start = Self.start(disk, persistent: false)
            #expect(start.epoch == 0)
            #expect(start.newEpochReason == nil)
            #expect(start.firstWriteNotBefore == 0)
        }
    }

    @Test("a new epoch claims the retired epoch's writes it holds, up to the newest; after a repair cut none")
    func retiredEpochWritesAreClaimed() {
        let retired = NodeID.origin(node: Self.id, epoch: 9)
        var map = LWWMap()
        // Logged before the crash; only the first is under the last watermark record.
        let older = Entry(
            key: Array("a".utf8), value: [1], timestamp: HLCTimestamp(physical: Self.now - 30),
            origin: retired)
        let newest = Entry(
            key: Array("b".utf8), value: nil, timestamp: HLCTimestamp(physical: Self.now - 10),
            origin: retired)
        let peer = Entry(
            key: Array("c".utf8), value: [3], timestamp: HLCTimestamp(physical: Self.now - 5),
            origin: NodeID(high: 99, low: 0))
        for entry in [older, newest, peer] { map.merge(entry) }
        var digest = Digest()
        digest.raise(retired, to: older.timestamp)
        for frozen in [false, true] {
            let start = Self.start(
                .recovered(
                    ReplicaStart.Recovered(
                        map: map, digest: digest, clockCeiling: HLCTimestamp(physical: Self.now),
                        dataEpoch: 9,
                        possibleLosses: ["the last run did not close the data directory"],
                        watermarksFrozen: frozen)))
            #expect(start.epoch != 9)
            // No one else can claim the retired origin's writes; a prefix of the log holds them all.
            #expect(start.replica.digest[retired] == (frozen ? older.timestamp : newest.timestamp))
            // Nothing is claimed for an origin this node never wrote as.
            #expect(start.replica.digest[peer.origin] == .zero)
        }
    }
}
