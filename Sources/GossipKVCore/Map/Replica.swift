/// Why a local write was refused. Messages say what the client can do about it.
public enum WriteError: Error, Equatable, Sendable, CustomStringConvertible {
    case keyTooLarge(bytes: Int, limit: Int)
    case valueTooLarge(bytes: Int, limit: Int)
    /// This node's clock runs ahead of most live peers (`GossipEngine+Fencing.swift`).
    case clockAheadOfPeers(ClockFence)

    public var description: String {
        switch self {
        case let .clockAheadOfPeers(fence): return fence.description
        case let .keyTooLarge(bytes, limit):
            return "key is \(bytes) bytes; the cluster's limit is \(limit) bytes"
        case let .valueTooLarge(bytes, limit):
            return "value is \(bytes) bytes; the cluster's limit is \(limit) bytes"
        }
    }
}

/// Why a remote entry was refused. Each reason is counted by the shell.
public enum EntryRejection: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    case keyTooLarge
    case valueTooLarge
    /// The entry's timestamp is beyond the max clock offset: merging it would poison our clock.
    case clockTooFarAhead
    /// The entry's origin belongs to a revoked node (`Replica.bar`).
    case revokedOrigin

    public var description: String {
        switch self {
        case .keyTooLarge: return "key over the cluster limit"
        case .valueTooLarge: return "value over the cluster limit"
        case .clockTooFarAhead: return "timestamp beyond the max clock offset"
        case .revokedOrigin: return "origin of a revoked node"
        }
    }
}

/// One node's replica: its clock, its LWW map and its watermarks. Pure: time comes in as
/// `physical` milliseconds. This is the state the storage layer persists (map, watermarks, HLC).
///
/// Two ids: `id` is the node (peers and membership know it by that), `origin` is what its writes
/// are stamped with during its current data epoch (`NodeID.origin(node:epoch:)`). After any
/// possible loss of its own writes the node comes back under a new epoch, so the current origin
/// always has its whole history here: its own watermark moves with each write, and no claim it
/// makes can cover a write it lost. Older origins of the same node are like any other origin.
public struct Replica: Sendable {
    /// The node's id (peers, membership, messages).
    public let id: NodeID
    /// The node's data epoch: 0 until its first possible loss of data.
    public let epoch: UInt64
    /// The origin of this replica's writes: `NodeID.origin(node: id, epoch: epoch)`.
    public let origin: NodeID
    public let limits: Limits
    public private(set) var clock: HybridLogicalClock
    public internal(set) var map = LWWMap()
    /// What this replica claims to hold; see `Digest`.
    public private(set) var digest = Digest()
    /// What garbage collection dropped lately (see `CollectionEcho`).
    var collectionEcho = CollectionEcho()
    /// Links of writes applied above their origin's watermark (`link(origin:previous:to:)`).
    /// Kept in memory only: after a restart the answer path moves those watermarks.
    var pendingLinks = PendingLinks(capacity: Replica.defaultPendingLinkCapacity)
    /// Origins of revoked nodes: their entries are refused and dropped (`bar`).
    public internal(set) var barredOrigins: Set<NodeID> = []

    /// At most this many pending links by default (about 3 MiB of them).
    public static let defaultPendingLinkCapacity = 65_536

    /// A replica with nothing yet. `ceiling`: the clock starts above it.
    public init(
        id: NodeID, epoch: UInt64 = 0, limits: Limits = .standard, maxClockOffsetMilliseconds: UInt64 = 500,
        startingAfter ceiling: HLCTimestamp = .zero
    ) {
        self.id = id
        self.epoch = epoch
        self.origin = NodeID.origin(node: id, epoch: epoch)
        self.limits = limits
        self.clock = HybridLogicalClock(
            maxOffsetMilliseconds: maxClockOffsetMilliseconds, startingAfter: ceiling)
    }

    /// The HLC "now" for reads: the clock's last timestamp or the wall clock, whichever is later.
    /// Reads do not tick the clock.
    public func readTime(physical: UInt64) -> HLCTimestamp {
        Swift.max(clock.last, HLCTimestamp(physical: physical, logical: 0))
    }

    public func get(_ key: [UInt8], physical: UInt64) -> [UInt8]? {
        map.value(forKey: key, at: readTime(physical: physical))
    }

    /// A local write: gets its own HLC tick and wins over everything this replica has seen.
    /// Returns the entry (to push to peers) and the previous own watermark, which proves
    /// contiguity to receivers when present.
    public mutating func write(
        _ key: [UInt8], value: [UInt8]?, expiry: HLCTimestamp? = nil, physical: UInt64
    ) throws(WriteError) -> (entry: Entry, previousOwnWrite: HLCTimestamp?) {
        guard key.count <= limits.maxKeyBytes else {
            throw .keyTooLarge(bytes: key.count, limit: limits.maxKeyBytes)
        }
        if let value, value.count > limits.maxValueBytes {
            throw .valueTooLarge(bytes: value.count, limit: limits.maxValueBytes)
        }
        let timestamp = clock.now(physical: physical)
        let entry = Entry(key: key, value: value, timestamp: timestamp, origin: origin, expiry: expiry)
        map.merge(entry)
        let previous = digest.raise(origin, to: timestamp)
        return (entry, previous)
    }

    /// Checks a remote entry against the limits and the clock, merges it, and advances the
    /// clock past its timestamp (so a later local write of the same key wins over it).
    ///
    /// With `collectedAfterMilliseconds` (the garbage-collection grace period), a dead entry
    /// past that grace, for a key this replica holds nothing for, under a watermark of ours that
    /// already covers it, is taken as the no-op it is: it reads as absent either way, and this
    /// replica has collected it or would at once. Storing it again made collected entries
    /// bounce between replicas that collect at different moments, with state hashes that never
    /// settled.
    public mutating func applyRemote(
        _ entry: Entry, physical: UInt64, collectedAfterMilliseconds grace: UInt64? = nil
    ) -> Result<LWWMap.MergeOutcome, EntryRejection> {
        guard barredOrigins.isEmpty || !barredOrigins.contains(entry.origin) else {
            return .failure(.revokedOrigin)
        }
        guard entry.key.count <= limits.maxKeyBytes else { return .failure(.keyTooLarge) }
        if let value = entry.value, value.count > limits.maxValueBytes { return .failure(.valueTooLarge) }
        do {
            try clock.receive(entry.timestamp, physical: physical)
        } catch {
            return .failure(.clockTooFarAhead)
        }
        // Only a key held nothing for can be refused, and only by a recent collection or, for a
        // dead entry, by the grace rule: a live entry with no collection lately skips the lookup.
        let mayBeRefused = !collectionEcho.isEmpty || (grace != nil && LWWMap.deadSince(entry) != nil)
        if mayBeRefused, !map.containsKey(entry.key) {
            if collectionEcho.refuses(entry, now: physical) { return .success(.unchanged) }
            if let grace, digest[entry.origin] >= entry.timestamp,
                LWWMap.isPastGrace(entry, at: readTime(physical: physical), graceMilliseconds: grace)
            {
                return .success(.unchanged)
            }
        }
        return .success(map.merge(entry))
    }

    /// Drops `entry` if it is still the one held for its key, and refuses older writes of the
    /// key for `echoMilliseconds` (`CollectionEcho`). Only garbage collection calls it, for a
    /// dead entry every holder of the key's effect may forget (`GossipEngine+Collection.swift`);
    /// watermarks stay, since the effect remains.
    @discardableResult
    public mutating func collect(_ entry: Entry, now: UInt64, echoMilliseconds: UInt64) -> Bool {
        guard LWWMap.deadSince(entry) != nil, map.remove(entry) else { return false }
        collectionEcho.record(entry, until: now.addingSaturating(echoMilliseconds))
        return true
    }

    /// Merges a message's HLC into the clock (a receive event).
    public mutating func observe(_ remote: HLCTimestamp, physical: UInt64) throws(HLCError) {
        try clock.receive(remote, physical: physical)
    }

    /// Adopts a complete, fully accepted sync answer's watermarks: this replica now holds
    /// everything the answerer held up to them. Never for our own origin: we know our own writes
    /// exactly, and a peer's claim about them (a liar's, inflated up to its clock) would make
    /// our next writes name a previous write that never was.
    public mutating func adopt(_ answererDigest: Digest) {
        for (origin, watermark) in answererDigest.watermarks
        where origin != self.origin && watermark > digest[origin] {
            digest.raise(origin, to: watermark)
            if let reach = pendingLinks.dropCovered(origin: origin, upTo: watermark) {
                digest.raise(origin, to: reach)
            }
            followLinks(origin, from: digest[origin])
        }
    }

    /// Moves `origin`'s watermark to `timestamp` when a push proves contiguity: it names the
    /// origin's previous write, and that is exactly our watermark. Returns whether it moved.
    /// Never for our own origin. The engine uses `link(origin:previous:to:)`, which also keeps
    /// links that arrive above a gap.
    @discardableResult
    public mutating func advanceContiguous(
        origin: NodeID, previous: HLCTimestamp, to timestamp: HLCTimestamp
    ) -> Bool {
        guard origin != self.origin, previous == digest[origin], timestamp > previous else { return false }
        digest.raise(origin, to: timestamp)
        return true
    }

    /// What a push's link did (`link(origin:previous:to:)`).
    public enum LinkOutcome: Equatable, Sendable {
        /// The watermark moved (to the linked write, and on along any links that waited).
        case advanced
        /// The write is above a gap: the link waits for the watermark to reach `previous`.
        case pending
        /// The watermark already covers the write.
        case covered
        /// The link table is full: this watermark waits for a complete answer.
        case refused
        /// A link about our own origin: never taken from a peer (we know our writes exactly).
        case ownOrigin
    }

    /// A push proved that `origin` wrote `timestamp` right after `previous`, and this replica
    /// holds that write (the caller MUST have applied it, or hold it from before). When the
    /// watermark is at or past `previous`, we hold every write up to `timestamp`: the watermark
    /// moves there, and on along the links that waited for it. Otherwise the link waits
    /// (bounded, `PendingLinks`), so that the write that fills the gap moves the watermark past
    /// everything that arrived before it.
    @discardableResult
    public mutating func link(origin: NodeID, previous: HLCTimestamp, to timestamp: HLCTimestamp)
        -> LinkOutcome
    {
        guard origin != self.origin else { return .ownOrigin }
        let watermark = digest[origin]
        guard timestamp > watermark, timestamp > previous else { return .covered }
        guard previous <= watermark else {
            return pendingLinks.insert(origin: origin, previous: previous, timestamp: timestamp)
                ? .pending : .refused
        }
        digest.raise(origin, to: timestamp)
        followLinks(origin, from: timestamp)
        return .advanced
    }

    /// Moves `origin`'s watermark, which stands at `watermark`, along the links that start there
    /// (none to look up while no link waits: the common case of writes arriving in order).
    private mutating func followLinks(_ origin: NodeID, from watermark: HLCTimestamp) {
        guard !pendingLinks.isEmpty else { return }
        var reached = watermark
        while let next = pendingLinks.take(origin: origin, previous: reached) {
            if next > reached { reached = next }
        }
        if reached > watermark { digest.raise(origin, to: reached) }
    }

    /// Links waiting for a gap to fill, and links not kept because the table was full.
    public var pendingLinkCount: (waiting: Int, refused: Int) { (pendingLinks.count, pendingLinks.refused) }

    /// Whether some write of `origin` arrived above a gap that has not filled yet.
    public func hasGap(origin: NodeID) -> Bool { pendingLinks.hasGap(origin: origin) }

    /// Sets the link table's capacity (tests; the default suits production).
    public mutating func setPendingLinkCapacity(_ capacity: Int) {
        pendingLinks = PendingLinks(capacity: capacity)
    }

    /// Restores persisted state (map entries, watermarks, the HLC ceiling). Used by storage and by
    /// the simulator's restarts. The clock starts above the ceiling and above every timestamp
    /// held, so no write of this run can reuse a timestamp of an earlier one.
    ///
    /// `epoch` MUST be a new one (never used before by this node) unless `entries` and `digest`
    /// hold every write this node made under it, with the own watermark exactly its last write:
    /// a local write's push names that watermark as proof of contiguity.
    public init(
        id: NodeID, epoch: UInt64 = 0, limits: Limits = .standard, maxClockOffsetMilliseconds: UInt64 = 500,
        restoring entries: [Entry], digest: Digest, clockCeiling: HLCTimestamp
    ) {
        var map = LWWMap()
        map.reserveCapacity(entries.count)
        for entry in entries { map.merge(entry) }
        self.init(
            id: id, epoch: epoch, limits: limits, maxClockOffsetMilliseconds: maxClockOffsetMilliseconds,
            restoring: map, digest: digest, clockCeiling: clockCeiling)
    }

    /// Restores persisted state from a map recovery already built (no re-merge of every entry).
    /// Same duties as the entries form.
    public init(
        id: NodeID, epoch: UInt64 = 0, limits: Limits = .standard, maxClockOffsetMilliseconds: UInt64 = 500,
        restoring map: LWWMap, digest: Digest, clockCeiling: HLCTimestamp
    ) {
        self.init(
            id: id, epoch: epoch, limits: limits, maxClockOffsetMilliseconds: maxClockOffsetMilliseconds,
            startingAfter: Swift.max(clockCeiling, map.latestTimestamp ?? .zero))
        self.map = map
        self.digest = digest
    }
}
