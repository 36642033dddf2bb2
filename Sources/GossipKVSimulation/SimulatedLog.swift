import GossipKVCore

/// A node's write-ahead log as the simulator models it: the records the node appends
/// (`Node+Storage`: every applied entry and every removal of a collected one, then the
/// watermarks that cover them), with an fsynced prefix. A crash decides what survives; recovery feeds the survivors to the core's
/// `LogReplay`, the fold `GossipKVStorage.Recovery` uses, and the result to `ReplicaStart`.
///
/// What survives a crash:
/// - a process crash (the kernel keeps every `write(2)`): every record;
/// - a power loss: the fsynced prefix, and of the records after it a prefix the disk happened
///   to write, the next one possibly torn (recovery cuts a torn tail);
/// - a power loss found damaged and recovered with `--repair`: besides, a run of records cut
///   anywhere (the damaged record and the rest of its segment), fsynced ones included; the
///   watermarks after the cut are not adopted (`LogReplay.freezeWatermarks`).
///
/// The clock ceiling is not modelled as records: the node fsyncs a ceiling before its clock
/// reaches it (`Storage.appendClockCeilingDurably`), so recovery gets one at least as high as
/// any timestamp issued, which the caller passes in.
struct SimulatedLog: Sendable {
    enum Record: Equatable, Sendable {
        case change(LoggedChange)
        case watermarks(Digest)
    }

    private(set) var records: [Record] = []
    /// Records fsynced: a prefix of `records`.
    private(set) var synced = 0
    /// The last watermarks appended, so unchanged ones are not logged again.
    private(set) var loggedDigest: Digest?

    mutating func append(_ entry: Entry) { records.append(.change(.entry(entry))) }

    /// A directive batch's changes, in order (`Node.carryOut` logs them with one append).
    mutating func append(_ changes: [LoggedChange]) { records += changes.map(Record.change) }

    /// Logs `digest` after the entries it covers, unless it is the one logged last.
    mutating func appendWatermarks(_ digest: Digest) {
        guard digest != loggedDigest else { return }
        records.append(.watermarks(digest))
        loggedDigest = digest
    }

    /// An fsync: every record appended so far is durable. Returns the watermarks it made
    /// durable (the last logged), for `NodeCore.markDurable`.
    mutating func sync() -> Digest? {
        synced = records.count
        return loggedDigest
    }

    /// Entries whose record is fsynced: acknowledged as durable.
    var syncedEntries: [Entry] {
        records[..<synced].compactMap {
            if case let .change(.entry(entry)) = $0 { return entry } else { return nil }
        }
    }

    /// How a crash and its recovery went.
    struct Crash: Sendable, Equatable {
        /// Unsynced records the disk wrote anyway (a prefix of them).
        var keptUnsynced: Int
        /// The next record after them was half written (recovery cuts it as a torn tail).
        var tornNext: Bool
        /// Records a `--repair` recovery cut (indices into the log before the crash).
        var repairCut: Range<Int>?

        /// A process crash: the kernel keeps every record.
        static let process = Crash(keptUnsynced: .max, tornNext: false, repairCut: nil)
    }

    /// Picks a power loss at random: how much of the unsynced suffix the disk wrote, whether the
    /// next record is torn, and (a quarter of the time) a repair cut somewhere in the log.
    func powerLoss(random: inout SplitMix64) -> Crash {
        let unsynced = records.count - synced
        let kept = unsynced == 0 ? 0 : Int(random.next() % UInt64(unsynced + 1))
        let torn = kept < unsynced && random.next() % 2 == 0
        var cut: Range<Int>?
        let surviving = synced + kept
        if surviving > 0, random.next() % 4 == 0 {
            let start = Int(random.next() % UInt64(surviving))
            let length = 1 + Int(random.next() % 8)
            cut = start..<min(surviving, start + length)
        }
        return Crash(keptUnsynced: kept, tornNext: torn, repairCut: cut)
    }

    /// Applies `crash` and recovers: the log keeps only the records that survive (all of them
    /// durable now), and the state they give back is returned with the reasons writes may be
    /// missing. Every crash leaves the directory open, so the losses are never empty.
    mutating func recover(after crash: Crash, clockCeiling: HLCTimestamp, dataEpoch: UInt64)
        -> ReplicaStart.Recovered
    {
        var losses = ["the last run did not close the data directory"]
        let surviving = min(records.count, synced + min(crash.keptUnsynced, records.count - synced))
        if surviving < records.count {
            losses.append("records not fsynced were lost")
            if crash.tornNext { losses.append("a torn tail was cut") }
        }
        var replayed = LogReplay()
        var kept: [Record] = []
        for (index, record) in records[..<surviving].enumerated() {
            if let cut = crash.repairCut, cut.contains(index) {
                if index == cut.lowerBound {
                    losses.append("a --repair recovery cut damaged records")
                    replayed.freezeWatermarks()
                }
                continue
            }
            kept.append(record)
            switch record {
            case let .change(change): replayed.replay(change)
            case let .watermarks(digest): replayed.replay(watermarks: digest)
            }
        }
        replayed.replay(clockCeiling: clockCeiling)
        records = kept
        synced = kept.count
        loggedDigest = nil
        return replayed.recovered(dataEpoch: dataEpoch, possibleLosses: losses)
    }
}
