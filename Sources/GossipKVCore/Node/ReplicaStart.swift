/// How a node starts its replica: which data epoch it writes under, what it restores, and when
/// it may write first. The node calls it once its storage has recovered; the simulator calls it
/// on every simulated restart, so the rule the simulator tests is the one the node runs.
///
/// The rule (README, "Data epochs: no claim after a loss"):
/// - a recovered directory that may have lost writes (a torn tail, a repair, an unclean
///   shutdown, a missing or unreadable epoch record) starts a new data epoch: a new origin, so
///   the node never repeats a claim about writes it no longer holds;
/// - a new or wiped directory, or none at all, starts a new epoch when the node's identity may
///   have written before (a persistent key), and then waits out the max clock offset before
///   its first write: its earlier writes may carry timestamps up to that far ahead of this
///   machine's clock, and a new write must not lose to them;
/// - a directory closed cleanly keeps its epoch and its exact watermarks.
public struct ReplicaStart: Sendable {
    /// What the node finds where its data lives.
    public enum Disk: Sendable {
        /// The node keeps no data directory.
        case none
        /// A new directory, or one wiped since the last run.
        case fresh
        /// State recovered from the directory.
        case recovered(Recovered)
    }

    /// The state a data directory gave back, and why writes of earlier runs may be missing.
    public struct Recovered: Sendable {
        public var map: LWWMap
        public var digest: Digest
        public var clockCeiling: HLCTimestamp
        public var dataEpoch: UInt64
        /// Empty when the last run closed the directory and recovery cut nothing.
        public var possibleLosses: [String]
        /// A repair cut removed records: what is held is no longer a prefix of the log.
        public var watermarksFrozen: Bool

        public init(
            map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp, dataEpoch: UInt64,
            possibleLosses: [String], watermarksFrozen: Bool = false
        ) {
            self.map = map
            self.digest = digest
            self.clockCeiling = clockCeiling
            self.dataEpoch = dataEpoch
            self.possibleLosses = possibleLosses
            self.watermarksFrozen = watermarksFrozen
        }
    }

    public let replica: Replica
    /// Why a new data epoch started; nil when the node keeps the one it had (or starts its first
    /// with an identity that never wrote).
    public let newEpochReason: String?
    /// The physical time (ms) before which the node must not write; 0 when it may at once.
    public let firstWriteNotBefore: UInt64

    /// - Parameter newEpoch: a fresh random epoch, never 0 and never the argument (the node uses
    ///   the system generator, the simulator its seeded one).
    public init(
        id: NodeID, identityIsPersistent: Bool, disk: Disk, limits: Limits = .standard,
        maxClockOffsetMilliseconds: UInt64, physicalNow: UInt64, newEpoch: (UInt64) -> UInt64
    ) {
        switch disk {
        case .none, .fresh:
            let forgotten =
                if case .none = disk {
                    "this node keeps no data directory, and its id may have written before"
                } else {
                    "the data directory is new, and this node's id may have written before"
                }
            newEpochReason = identityIsPersistent ? forgotten : nil
            firstWriteNotBefore = identityIsPersistent ? physicalNow + maxClockOffsetMilliseconds : 0
            replica = Replica(
                id: id, epoch: identityIsPersistent ? newEpoch(0) : 0, limits: limits,
                maxClockOffsetMilliseconds: maxClockOffsetMilliseconds)
        case let .recovered(recovered):
            let mayHaveLost = !recovered.possibleLosses.isEmpty
            newEpochReason = mayHaveLost ? recovered.possibleLosses.joined(separator: "; ") : nil
            firstWriteNotBefore = 0
            // The watermarks as recovered: under a kept epoch the own one is exactly the last own
            // write (a clean close logged it), under a new epoch there is none yet.
            var digest = recovered.digest
            if mayHaveLost, !recovered.watermarksFrozen {
                // The retired epoch's writes that recovery kept: the log survives as a prefix and
                // the node logged its own writes in timestamp order, so each of them up to the
                // newest one held is held or superseded, and the watermark may cover them. No
                // one else can ever claim them (the origin writes no more), and a write logged
                // just before a crash and never pushed would otherwise sit above every watermark
                // for good, where garbage collection can never reach it (a tombstone outlived a
                // newer one collected everywhere: soak seed 129722821578625).
                let retired = NodeID.origin(node: id, epoch: recovered.dataEpoch)
                let newest = recovered.map.entries(from: retired, after: digest[retired]).map(\.timestamp)
                    .max()
                if let newest { digest.raise(retired, to: newest) }
            }
            replica = Replica(
                id: id, epoch: mayHaveLost ? newEpoch(recovered.dataEpoch) : recovered.dataEpoch,
                limits: limits,
                maxClockOffsetMilliseconds: maxClockOffsetMilliseconds, restoring: recovered.map,
                digest: digest, clockCeiling: recovered.clockCeiling)
        }
    }

    public var epoch: UInt64 { replica.epoch }
}
