import GossipKVCore
import PropertyBased
import Testing

@Suite("Replay windows")
struct WireReplayTests {
    @Test("the same sequence number twice is a duplicate")
    func duplicate() {
        var window = ReplayWindow()
        #expect(window.record(7).failure == nil)
        #expect(window.check(7).failure == .duplicate)
        #expect(window.record(7).failure == .duplicate)
    }

    @Test("checking does not record")
    func checkIsPure() {
        var window = ReplayWindow()
        #expect(window.check(3).failure == nil)
        #expect(window.check(3).failure == nil)
        window.record(3)
        #expect(window.check(3).failure == .duplicate)
    }

    @Test("late arrivals inside the window are accepted once")
    func outOfOrder() {
        var window = ReplayWindow()
        for sequence: UInt64 in [10, 5, 9, 1, 0] { #expect(window.record(sequence).failure == nil) }
        for sequence: UInt64 in [10, 5, 9, 1, 0] { #expect(window.check(sequence).failure == .duplicate) }
        #expect(window.check(6).failure == nil)
        #expect(window.newest == 10)
    }

    @Test("the window slides: 1,024 below the newest is too old, 1,023 is still tracked")
    func sliding() {
        var window = ReplayWindow()
        for sequence: UInt64 in 0...2000 { window.record(sequence) }
        #expect(window.check(2000 - 1024).failure == .tooOld)
        #expect(window.check(2000 - 1023).failure == .duplicate)
        #expect(window.check(2001).failure == nil)
        window.record(2100)
        #expect(window.check(2100 - 1024).failure == .tooOld)
        #expect(window.check(2000).failure == .duplicate, "bits survive a slide of 100")
        #expect(window.check(2050).failure == nil, "the gap left by the jump is open")
    }

    @Test("a jump past the whole window forgets everything below it")
    func bigJump() {
        var window = ReplayWindow()
        window.record(5)
        window.record(5 + 5_000)
        #expect(window.check(5).failure == .tooOld)
        #expect(window.check(5 + 5_000 - 1).failure == nil)
        window.record(.max)
        #expect(window.check(.max).failure == .duplicate)
        #expect(window.check(.max - 1023).failure == nil)
        #expect(window.check(0).failure == .tooOld)
    }

    @Test("the window agrees with a simple model on random traffic")
    func model() async {
        let step = Gen.frequency(
            (6, Gen.uint64(in: 0...3000)),
            (1, Gen.uint64(in: 0...(UInt64.max / 2))))
        await propertyCheck(count: 200, input: step.array(of: 0...400)) { sequences in
            var window = ReplayWindow()
            var seen = Set<UInt64>()
            var newest: UInt64?
            for sequence in sequences {
                var expected: ReplayRejection?
                if let newest, sequence <= newest {
                    if newest - sequence >= 1024 {
                        expected = .tooOld
                    } else if seen.contains(sequence) {
                        expected = .duplicate
                    }
                }
                #expect(window.record(sequence).failure == expected, "sequence \(sequence)")
                if expected == nil {
                    seen.insert(sequence)
                    newest = max(newest ?? 0, sequence)
                }
            }
        }
    }
}

@Suite("Replay guard")
struct WireReplayGuardTests {
    static let sender = NodeID(high: 1, low: 1)

    static func stamp(
        _ sequence: UInt64, epoch: UInt64 = 100, channel: WireChannel = .gossipDatagram,
        sender: NodeID = sender
    ) -> ReplayStamp {
        ReplayStamp(
            sender: sender, bootEpoch: HLCTimestamp(rawValue: epoch), channel: channel, sequence: sequence)
    }

    @Test("each channel has its own window")
    func channels() {
        var guardian = ReplayGuard()
        for channel in WireChannel.allCases {
            #expect(guardian.record(Self.stamp(1, channel: channel)).failure == nil)
        }
        for channel in WireChannel.allCases {
            #expect(guardian.check(Self.stamp(1, channel: channel)).failure == .duplicate)
        }
    }

    @Test("a newer boot epoch replaces the sender's windows")
    func newerEpoch() {
        var guardian = ReplayGuard()
        guardian.record(Self.stamp(500, epoch: 100))
        #expect(guardian.record(Self.stamp(1, epoch: 200)).failure == nil)
        #expect(guardian.bootEpoch(of: Self.sender) == HLCTimestamp(rawValue: 200))
        #expect(
            guardian.check(Self.stamp(2, epoch: 200)).failure == nil,
            "sequence numbers restart with the epoch")
        #expect(guardian.check(Self.stamp(1, epoch: 200)).failure == .duplicate)
    }

    @Test("an older boot epoch is a replay of an earlier run")
    func olderEpoch() {
        var guardian = ReplayGuard()
        guardian.record(Self.stamp(1, epoch: 200))
        #expect(guardian.check(Self.stamp(99, epoch: 100)).failure == .staleBootEpoch)
        #expect(guardian.record(Self.stamp(99, epoch: 100)).failure == .staleBootEpoch)
        #expect(guardian.bootEpoch(of: Self.sender) == HLCTimestamp(rawValue: 200))
    }

    @Test("senders are independent")
    func senders() {
        var guardian = ReplayGuard()
        guardian.record(Self.stamp(1))
        #expect(guardian.check(Self.stamp(1, sender: NodeID(high: 2, low: 2))).failure == nil)
    }

    @Test("a full guard refuses new senders but keeps serving known ones")
    func capacity() {
        var guardian = ReplayGuard(capacity: 2)
        guardian.record(Self.stamp(1, sender: NodeID(high: 0, low: 1)))
        guardian.record(Self.stamp(1, sender: NodeID(high: 0, low: 2)))
        #expect(guardian.record(Self.stamp(1, sender: NodeID(high: 0, low: 3))).failure == .tooManySenders)
        #expect(guardian.record(Self.stamp(2, sender: NodeID(high: 0, low: 1))).failure == nil)
        #expect(guardian.senderCount == 2)
        guardian.forget(NodeID(high: 0, low: 2))
        #expect(guardian.record(Self.stamp(1, sender: NodeID(high: 0, low: 3))).failure == nil)
    }
}
