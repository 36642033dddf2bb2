import GossipKVCore
import Testing

@testable import GossipKVSimulation

/// The simulator's modelled log (`SimulatedLog`) and its recovery through the core's
/// `LogReplay` and `ReplicaStart`: what survives a torn tail, a power loss and a `--repair`
/// cut, and that the recovered node never claims more than it holds.
@Suite("modelled log recovery: torn tails, unsynced loss, repair cuts")
struct LogRecoveryTests {
    static let start: UInt64 = 1_764_000_000_000
    static let writer = NodeID(high: 0xA, low: 1)
    static let peer = NodeID(high: 0xB, low: 2)

    /// A node that wrote `count` keys, logging each entry and then the watermarks covering it,
    /// fsyncing after the first `synced` writes; and the history that accepted them.
    struct Scenario {
        var replica = Replica(id: LogRecoveryTests.writer, epoch: 7)
        var log = SimulatedLog()
        var history = History()
        var writes: [Entry] = []

        init(count: Int, synced: Int) throws {
            for index in 0..<count {
                let (entry, _) = try replica.write(
                    Array("key-\(index)".utf8), value: [UInt8(index)],
                    physical: LogRecoveryTests.start + UInt64(index))
                writes.append(entry)
                history.record(entry)
                log.append(entry)
                log.appendWatermarks(replica.digest)
                if index + 1 == synced { _ = log.sync() }
            }
        }

        /// Crashes, recovers through `ReplicaStart`, and books the losses as the simulator does
        /// (`Simulation.restart`): what the peer holds is not lost.
        mutating func recover(_ crash: SimulatedLog.Crash, peerHolds: [Entry]) -> (
            Replica, ReplicaStart.Recovered
        ) {
            let recovered = log.recover(
                after: crash, clockCeiling: replica.clock.last, dataEpoch: replica.epoch)
            let started = ReplicaStart(
                id: replica.id, identityIsPersistent: true, disk: .recovered(recovered),
                maxClockOffsetMilliseconds: 500,
                physicalNow: LogRecoveryTests.start + 100, newEpoch: { $0 + 1 })
            var survivor = Replica(id: LogRecoveryTests.peer)
            for entry in peerHolds { _ = survivor.applyRemote(entry, physical: LogRecoveryTests.start + 100) }
            history.recordDiskLoss(of: replica, keeping: started.replica, survivors: [survivor])
            return (started.replica, recovered)
        }
    }

    @Test("a power loss keeps the fsynced prefix and what the disk wrote after it; a torn record is cut")
    func tornTailAndUnsyncedLoss() throws {
        var scenario = try Scenario(count: 4, synced: 2)
        let writes = scenario.writes
        // Of the four unsynced records (two entries, two watermarks), the disk wrote one; the
        // next was torn.
        let (replica, recovered) = scenario.recover(
            SimulatedLog.Crash(keptUnsynced: 1, tornNext: true, repairCut: nil), peerHolds: [])
        #expect(replica.map.sortedEntries() == Array(writes[0..<3]))
        // The watermark logged after the third write was torn away: the claim stops at the second.
        #expect(recovered.digest[scenario.replica.origin] == writes[1].timestamp)
        #expect(recovered.possibleLosses.contains("a torn tail was cut"))
        #expect(replica.epoch != scenario.replica.epoch)
        #expect(scenario.history.lostWithDisk == [writes[3]])
        #expect(scenario.history.watermarkViolation(in: replica) == nil)
        // The recovered log is durable as a whole now.
        #expect(scenario.log.synced == scenario.log.records.count)
    }

    @Test("a repair cut keeps the records after it but not their watermarks: no claim covers what was cut")
    func repairCutFreezesWatermarks() throws {
        var scenario = try Scenario(count: 4, synced: 4)
        let writes = scenario.writes
        // Records: e0 w0 e1 w1 e2 w2 e3 w3. The cut takes e1 (fsynced), held by a peer.
        let (replica, recovered) = scenario.recover(
            SimulatedLog.Crash(keptUnsynced: 0, tornNext: false, repairCut: 2..<3), peerHolds: [writes[1]])
        #expect(replica.map.sortedEntries() == [writes[0], writes[2], writes[3]])
        #expect(recovered.digest[scenario.replica.origin] == writes[0].timestamp)
        #expect(scenario.history.lostWithDisk.isEmpty)
        // The peer holds the cut write: a watermark past it would be an over-claim it never resends.
        #expect(scenario.history.watermarkViolation(in: replica) == nil)
    }

    @Test("a repair cut of a write no one else holds loses it with the disk, and nothing else")
    func repairCutLosesOnlyWhatItCut() throws {
        var scenario = try Scenario(count: 3, synced: 3)
        let writes = scenario.writes
        let (replica, _) = scenario.recover(
            SimulatedLog.Crash(keptUnsynced: 0, tornNext: false, repairCut: 2..<4), peerHolds: [])
        #expect(replica.map.sortedEntries() == [writes[0], writes[2]])
        #expect(scenario.history.lostWithDisk == [writes[1]])
        #expect(scenario.history.watermarkViolation(in: replica) == nil)
    }

    @Test("a process crash keeps every record, synced or not, under a new epoch")
    func processCrashKeepsEverything() throws {
        var scenario = try Scenario(count: 3, synced: 1)
        let (replica, recovered) = scenario.recover(.process, peerHolds: [])
        #expect(replica.map.sortedEntries() == scenario.writes)
        #expect(recovered.digest == scenario.replica.digest)
        #expect(recovered.possibleLosses == ["the last run did not close the data directory"])
        #expect(replica.epoch != scenario.replica.epoch)
    }

    @Test("a collection's removal is logged as the node logs it: a crash does not bring the entry back")
    func collectedEntryStaysGone() throws {
        var scenario = try Scenario(count: 2, synced: 0)
        let (tombstone, _) = try scenario.replica.write(
            Array("key-0".utf8), value: nil, physical: LogRecoveryTests.start + 10)
        scenario.log.append(tombstone)
        // The core's directive batch as `Simulation.carryOut` logs it (`loggedChanges`).
        let collected = scenario.replica.collect(
            tombstone, now: LogRecoveryTests.start + 20, echoMilliseconds: 0)
        #expect(collected)
        let batch: [NodeCoreDirective] = [.collected(tombstone)]
        #expect(batch.loggedChanges == [.removal(EntryRemoval(of: tombstone))])
        scenario.log.append(batch.loggedChanges)
        let (replica, _) = scenario.recover(.process, peerHolds: [])
        #expect(replica.map.entry(forKey: tombstone.key) == nil, "the collected tombstone came back")
        #expect(replica.map.sortedEntries() == [scenario.writes[1]])
        #expect(Simulation.mapDifference(before: scenario.replica.map, recovered: replica.map) == nil)
    }

    @Test("schedules of power losses with torn tails and repair cuts converge and keep every fsynced write")
    func powerLossSchedules() async throws {
        var totals: [String: Int] = [:]
        let reports = await SimulationSeeds.run((1...12).map { 91_000 + $0 }) { _ in
            var options = SimulationOptions()
            options.nodeCount = 3
            options.unsyncedLosses = 4
            options.restarts = 0
            options.diskLosses = 0
            return options
        }
        for report in reports {
            #expect(report.failure == nil, "\(report)")
            totals.merge(report.recoveries, uniquingKeysWith: +)
        }
        // The schedules did what they are for.
        #expect(totals["power loss", default: 0] > 0)
        #expect(totals["a torn tail was cut", default: 0] > 0)
        #expect(totals["a --repair recovery cut damaged records", default: 0] > 0)
    }
}
