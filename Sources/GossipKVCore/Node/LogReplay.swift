/// What a write-ahead log gives back, record by record: the pure part of recovery. The storage
/// layer (`GossipKVStorage.Recovery`) reads files, checks checksums and decides where the log
/// ends; it feeds the records that survive to this fold, and so does the simulator's modelled
/// log (`GossipKVSimulation.SimulatedLog`), so both recover by the same rules. The result goes
/// to `ReplicaStart` as `ReplicaStart.Recovered`.
///
/// The rules (DESIGN, "Persistence"; README, "Data epochs: no claim after a loss"):
/// - entries merge into the map (a CRDT: order does not matter);
/// - a removal (a garbage-collected write, `EntryRemoval`) drops the key's entry if it is still
///   that write: the log is in apply order, so a newer write of the key logged later stays, and
///   a removal replayed over a snapshot that holds the write drops it from there;
/// - the watermarks are the last watermark record replayed, which the node logs after the
///   entries it covers, so a prefix of the log never claims an entry that is not in it;
/// - after a repair cut (`freezeWatermarks`) the watermarks stay those replayed before it:
///   entries after the cut are kept, but a watermark logged later may cover entries the cut
///   removed, and claiming less than is held is the safe side (peers resend the rest);
/// - the clock ceiling is the highest one replayed.
public struct LogReplay: Sendable {
    public private(set) var map = LWWMap()
    public private(set) var digest = Digest()
    public private(set) var clockCeiling = HLCTimestamp.zero
    /// Set by a repair cut: later watermark records are not adopted.
    public private(set) var watermarksFrozen = false
    /// Records replayed.
    public private(set) var count = 0

    /// An empty log: nothing held, nothing claimed.
    public init() {}

    /// Starts from a snapshot (map, the watermarks and ceiling it was taken with).
    public init(snapshot map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp) {
        self.map = map
        self.digest = digest
        self.clockCeiling = clockCeiling
    }

    /// An applied entry.
    public mutating func replay(entry: Entry) {
        map.merge(entry)
        count += 1
    }

    /// A write garbage collection dropped.
    public mutating func replay(removal: EntryRemoval) {
        map.remove(removal)
        count += 1
    }

    /// A logged change: an entry or a removal.
    public mutating func replay(_ change: LoggedChange) {
        switch change {
        case let .entry(entry): replay(entry: entry)
        case let .removal(removal): replay(removal: removal)
        }
    }

    /// Watermarks, logged after the entries they cover.
    public mutating func replay(watermarks: Digest) {
        if !watermarksFrozen { digest = watermarks }
        count += 1
    }

    /// A clock ceiling: the clock restarts above the highest.
    public mutating func replay(clockCeiling ceiling: HLCTimestamp) {
        clockCeiling = max(clockCeiling, ceiling)
        count += 1
    }

    /// A repair cut removed records here: the watermarks replayed so far are the last adopted.
    public mutating func freezeWatermarks() {
        watermarksFrozen = true
    }

    /// The state for `ReplicaStart`, under `dataEpoch`, with the reasons writes may be missing.
    public func recovered(dataEpoch: UInt64, possibleLosses: [String]) -> ReplicaStart.Recovered {
        ReplicaStart.Recovered(
            map: map, digest: digest, clockCeiling: clockCeiling, dataEpoch: dataEpoch,
            possibleLosses: possibleLosses, watermarksFrozen: watermarksFrozen)
    }
}
