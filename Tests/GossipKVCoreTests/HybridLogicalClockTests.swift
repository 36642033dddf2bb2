import PropertyBased
import Testing

@testable import GossipKVCore

/// The HLC laws of Kulkarni et al. 2014 (section 3, algorithm 2), stated on the packed 64-bit
/// value: since the logical counter is the low 16 bits, "borrow a millisecond on logical
/// overflow" is simply "+ 1", and every rule reduces to: the clock issues the *least* timestamp
/// that is above everything it has issued or merged and not below wall time.
@Suite("HybridLogicalClock")
struct HybridLogicalClockTests {
    static let base = TestData.basePhysical

    /// The least timestamp above `bound` and not below `physical` milliseconds of wall time.
    static func least(above bound: HLCTimestamp, notBelowWall physical: UInt64) -> HLCTimestamp {
        Swift.max(HLCTimestamp(rawValue: bound.rawValue + 1), HLCTimestamp(physical: physical))
    }

    /// Physical times that wander forwards and backwards (NTP steps), sometimes stand still, and
    /// now and then jump past the 48-bit range (a broken clock: the HLC clamps it).
    static let physicalSteps = Gen.int(in: 0...9).array(of: 1...300)
    static func advance(_ physical: UInt64, by step: Int) -> UInt64 {
        switch step {
        case 0, 1, 2: return physical  // same millisecond
        case 3, 4: return physical + UInt64(step)  // forwards a little
        case 5: return physical + 10_000  // a jump forwards
        case 6: return physical - 3  // backwards a little
        case 7: return physical - 20_000  // an NTP step backwards
        case 8: return physical + 1
        default: return UInt64.max  // a broken clock
        }
    }

    @Test("now() is strictly monotonic for any sequence of physical times, going backwards included")
    func nowIsStrictlyMonotonic() async {
        await propertyCheck(count: 300, input: zip(Self.physicalSteps, Gen.int(in: 0...2))) {
            steps, ceilingCode in
            let ceiling = [
                HLCTimestamp.zero, HLCTimestamp(physical: Self.base + 5, logical: 65_535),
                HLCTimestamp(physical: Self.base - 1),
            ][ceilingCode]
            var clock = HybridLogicalClock(startingAfter: ceiling)
            var physical = Self.base
            var previous = ceiling
            for step in steps {
                // A broken clock returns to sane time on the next step.
                physical = physical == UInt64.max ? Self.base : Self.advance(physical, by: step)
                let timestamp = clock.now(physical: physical)
                #expect(timestamp > previous)
                #expect(timestamp == Self.least(above: previous, notBelowWall: physical))
                #expect(timestamp.physical >= Swift.min(physical, HLCTimestamp.maxPhysical))
                #expect(clock.last == timestamp)
                previous = timestamp
            }
        }
    }

    @Test(
        "a clock started after a ceiling never issues a timestamp at or below it, even when wall time is behind"
    )
    func startsAboveCeiling() {
        let ceiling = HLCTimestamp(physical: Self.base + 60_000, logical: 12)
        var clock = HybridLogicalClock(startingAfter: ceiling)
        #expect(clock.now(physical: Self.base) == HLCTimestamp(physical: Self.base + 60_000, logical: 13))
        #expect(
            clock.now(physical: Self.base + 60_001) == HLCTimestamp(physical: Self.base + 60_001, logical: 0))
    }

    /// One event on a clock: a local event, or the receipt of a remote timestamp that is at most
    /// the max offset ahead of local wall time.
    static let events = zip(
        Gen.bool(),  // receive?
        Gen.int(in: 0...9),  // physical step
        Gen.int(in: -3000...500),  // remote physical - local physical
        Gen.int(in: 0...3),  // remote logical: 0 → 65_535, 1 → 65_534, else random
        Gen.uint16()
    ).array(of: 1...200)

    @Test(
        "receive() yields a timestamp above the remote and above the previous local one: the least such, not below wall time"
    )
    func receiveExceedsRemoteAndLocal() async {
        await propertyCheck(count: 300, input: Self.events) { events in
            var clock = HybridLogicalClock(maxOffsetMilliseconds: 500)
            var physical = Self.base
            for (isReceive, step, remoteOffset, logicalChoice, randomLogical) in events {
                physical = step == 9 ? physical + 2 : Self.advance(physical, by: step)
                let previous = clock.last
                if isReceive {
                    let logical: UInt16 =
                        logicalChoice == 0 ? .max : (logicalChoice == 1 ? .max - 1 : randomLogical)
                    let remote = HLCTimestamp(
                        physical: UInt64(Int(physical) + remoteOffset), logical: logical)
                    do {
                        let merged = try clock.receive(remote, physical: physical)
                        #expect(merged > remote)
                        #expect(merged > previous)
                        #expect(
                            merged == Self.least(above: Swift.max(previous, remote), notBelowWall: physical))
                        #expect(clock.last == merged)
                    } catch {
                        Issue.record("a remote \(remoteOffset) ms ahead was rejected: \(error)")
                    }
                } else {
                    let local = clock.now(physical: physical)
                    #expect(local > previous)
                }
            }
        }
    }

    /// An event of the two-clock causality test.
    enum TwoClockEvent: Int, CaseIterable { case localA, localB, sendAB, sendBA, deliverToB, deliverToA }

    @Test(
        "causality: across sends and receives between two clocks skewed within the max offset, happened-before implies a smaller timestamp"
    )
    func causalityAcrossTwoClocks() async {
        let input = zip(
            Gen.int(in: -500...500),  // B's wall clock minus A's
            // (event, ms of real time before it)
            zip(Gen.int(in: 0...5), Gen.int(in: 0...3)).array(of: 1...80)
        )
        await propertyCheck(count: 300, input: input) { skew, steps in
            let maxOffset: UInt64 = 500
            var clocks = [
                HybridLogicalClock(maxOffsetMilliseconds: maxOffset),
                HybridLogicalClock(maxOffsetMilliseconds: maxOffset),
            ]
            var vectors = [[0, 0], [0, 0]]  // vector clocks, the ground truth of happened-before
            var inFlight: [[(timestamp: HLCTimestamp, vector: [Int])]] = [[], []]  // to A, to B
            var log: [(timestamp: HLCTimestamp, vector: [Int])] = []
            var realTime = Self.base
            for (code, elapsed) in steps {
                realTime += UInt64(elapsed)
                let wall = [realTime, UInt64(Int(realTime) + skew)]
                guard let event = TwoClockEvent(rawValue: code) else { continue }
                let node: Int
                switch event {
                case .localA, .sendAB: node = 0
                case .localB, .sendBA: node = 1
                case .deliverToA: node = 0
                case .deliverToB: node = 1
                }
                let timestamp: HLCTimestamp
                vectors[node][node] += 1
                switch event {
                case .localA, .localB, .sendAB, .sendBA:
                    timestamp = clocks[node].now(physical: wall[node])
                    if event == .sendAB || event == .sendBA {
                        inFlight[1 - node].append((timestamp, vectors[node]))
                    }
                case .deliverToA, .deliverToB:
                    guard !inFlight[node].isEmpty else {
                        vectors[node][node] -= 1
                        continue
                    }
                    let message = inFlight[node].removeFirst()
                    for index in 0..<2 {
                        vectors[node][index] = Swift.max(vectors[node][index], message.vector[index])
                    }
                    do {
                        timestamp = try clocks[node].receive(message.timestamp, physical: wall[node])
                    } catch {
                        Issue.record("a message from a clock within the max offset was rejected: \(error)")
                        return
                    }
                    #expect(timestamp > message.timestamp)
                }
                // Bounded divergence (Kulkarni et al., theorem 2): never further ahead of local
                // wall time than the skew between the clocks.
                #expect(timestamp.physical <= wall[node] + UInt64(abs(skew)))
                log.append((timestamp, vectors[node]))
            }
            for earlier in log {
                for later in log
                where earlier.vector != later.vector
                    && zip(earlier.vector, later.vector).allSatisfy({ $0 <= $1 })
                {
                    #expect(earlier.timestamp < later.timestamp)
                }
            }
        }
    }

    @Test("a remote more than the max offset ahead throws remoteTooFarAhead and leaves the clock unchanged")
    func remoteTooFarAheadIsRejected() async {
        let input = zip(
            Gen.uint64(in: 0...2000), Gen.int(in: 0...9).array(of: 0...20), Gen.uint64(in: 1...1_000_000),
            Gen.uint16())
        await propertyCheck(count: 300, input: input) { maxOffset, warmUp, beyond, logical in
            var clock = HybridLogicalClock(maxOffsetMilliseconds: maxOffset)
            var physical = Self.base
            for step in warmUp where step != 9 {
                physical = Self.advance(physical, by: step)
                _ = clock.now(physical: physical)
            }
            let before = clock.last
            let remote = HLCTimestamp(physical: physical + maxOffset + beyond, logical: logical)
            do throws(HLCError) {
                let merged = try clock.receive(remote, physical: physical)
                Issue.record("accepted \(remote) at \(physical) with max offset \(maxOffset): \(merged)")
            } catch {
                #expect(
                    error
                        == .remoteTooFarAhead(
                            remote: remote, localPhysical: physical, maxOffsetMilliseconds: maxOffset))
                #expect(error.description.contains("max clock offset \(maxOffset) ms"))
            }
            #expect(clock.last == before)
            #expect(throws: HLCError.self) { try clock.check(remote, physical: physical) }

            // Exactly the max offset ahead is still accepted.
            let edge = HLCTimestamp(physical: physical + maxOffset, logical: logical)
            #expect(throws: Never.self) { try clock.check(edge, physical: physical) }
            let merged = try? clock.receive(edge, physical: physical)
            #expect(merged.map { $0 > edge && $0 > before } == true)
        }
    }

    @Test(
        "65,536 events in one millisecond: the logical counter overflows by borrowing the next millisecond, never repeating"
    )
    func logicalOverflowBorrowsFromPhysical() {
        let millisecond = Self.base
        var clock = HybridLogicalClock()
        var previous = HLCTimestamp.zero
        for logical in 0...Int(UInt16.max) {
            let timestamp = clock.now(physical: millisecond)
            #expect(timestamp == HLCTimestamp(physical: millisecond, logical: UInt16(logical)))
            #expect(timestamp > previous)
            previous = timestamp
        }
        // Event 65,537 of the same millisecond borrows from the next one…
        let borrowed = clock.now(physical: millisecond)
        #expect(borrowed == HLCTimestamp(physical: millisecond + 1, logical: 0))
        // …and when wall time reaches that millisecond, the clock goes on without repeating.
        #expect(clock.now(physical: millisecond + 1) == HLCTimestamp(physical: millisecond + 1, logical: 1))
        // Wall time going back does not bring the clock back either.
        #expect(clock.now(physical: millisecond) == HLCTimestamp(physical: millisecond + 1, logical: 2))
    }

    @Test("receiving a remote at the last logical tick of its millisecond moves to the next millisecond")
    func receiveOverflowBorrowsFromPhysical() throws {
        let millisecond = Self.base
        var clock = HybridLogicalClock()
        _ = clock.now(physical: millisecond)
        let remote = HLCTimestamp(physical: millisecond, logical: .max)
        #expect(
            try clock.receive(remote, physical: millisecond)
                == HLCTimestamp(physical: millisecond + 1, logical: 0))
        #expect(
            try clock.receive(remote, physical: millisecond)
                == HLCTimestamp(physical: millisecond + 1, logical: 1))
    }
}
