import GossipKVCore

/// Every client operation a schedule performed, and what the replicas must end with.
///
/// The expected final map holds, per key, the greatest accepted write under `Entry`'s order.
/// A write is forgiven only when a disk loss destroyed every copy of it (it had reached no other
/// replica): the checker reports those instead of failing.
///
/// Garbage collection: a key whose greatest write is dead (a tombstone, an expired value) may end
/// absent instead, if some replica collected exactly that write. And no replica may merge a write
/// that loses to one it dropped for the same key (`resurrection(at:merging:)`): once a node has
/// dropped a key's entry, only a newer write of the key may show there again.
public struct History: Sendable {
    public private(set) var accepted: [Entry] = []
    /// Writes destroyed with a disk before any other replica held them.
    public private(set) var lostWithDisk: [Entry] = []
    private var lostIDs: Set<WriteKey> = []
    /// Per key, the greatest entry any replica collected or dropped.
    private var collectedMax: [[UInt8]: Entry] = [:]
    /// Per replica and key, the greatest entry that replica dropped (forgotten with its disk).
    private var droppedBy: [NodeID: [[UInt8]: Entry]] = [:]
    public private(set) var collectedCount = 0
    /// Writes that may come back after a collection (`noteZombies`), and how often one did.
    private var zombies: Set<WriteKey> = []
    public private(set) var zombieReturns = 0

    struct WriteKey: Hashable, Sendable {
        var origin: NodeID
        var timestamp: HLCTimestamp
    }

    mutating func record(_ entry: Entry) { accepted.append(entry) }

    /// A replica dropped `entry` (garbage collection or the reconcile step).
    mutating func recordCollected(_ entry: Entry, by replica: NodeID) {
        collectedCount += 1
        if let held = collectedMax[entry.key], !entry.wins(over: held) {} else { collectedMax[entry.key] = entry }
        if let held = droppedBy[replica]?[entry.key], !entry.wins(over: held) { return }
        droppedBy[replica, default: [:]][entry.key] = entry
    }

    /// Nil, or why merging `entry` at `replica`, whose HLC reads `now`, brings back a key it
    /// had dropped: a visible value that loses to what it dropped. (An old tombstone coming back
    /// shows nothing; it is collected again.) A zombie is counted, not failed.
    mutating func resurrection(at replica: NodeID, merging entry: Entry, now: HLCTimestamp) -> String? {
        guard entry.visibleValue(at: now) != nil, let dropped = droppedBy[replica]?[entry.key],
            !entry.wins(over: dropped)
        else { return nil }
        if zombies.contains(WriteKey(origin: entry.origin, timestamp: entry.timestamp)) {
            zombieReturns += 1
            return nil
        }
        return "replica \(replica) merged \(entry) after dropping \(dropped): a deleted key came back"
    }

    /// Called when `collector` collects `entry`, with the replicas that are not its current
    /// members (away, or removed) and every node's last synced state: a visible value of the
    /// key that loses to `entry`, held there while the collector's digest does not cover it, is
    /// a *zombie*: no watermark vouches that it was superseded, so nothing can stop it from
    /// coming back when its holder returns (the limit NOTES-gc.md states; Cassandra's
    /// gc_grace_seconds has the same one). It is counted, and may come back, but only it: a
    /// current member's value must never be one, since collection waits for its digest.
    mutating func noteZombies(collected entry: Entry, by collector: Replica, replicas: [Replica], now: HLCTimestamp) {
        for replica in replicas {
            guard let held = replica.map.entry(forKey: entry.key), entry.wins(over: held),
                held.visibleValue(at: now) != nil
            else { continue }
            zombies.insert(WriteKey(origin: held.origin, timestamp: held.timestamp))
        }
    }

    /// Marks the writes whose only copy was on the replica that lost its disk (all of it, or,
    /// with `kept`, what it had not synced), and forgets what that replica had dropped.
    mutating func recordDiskLoss(of lost: Replica, keeping kept: Replica? = nil, survivors: [Replica]) {
        for write in accepted where !lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp)) {
            let heldElsewhere = survivors.contains { holdsEffect(of: write, in: $0) }
                || kept.map { holdsEffect(of: write, in: $0) } == true
            if !heldElsewhere && holdsEffect(of: write, in: lost) {
                lostIDs.insert(WriteKey(origin: write.origin, timestamp: write.timestamp))
                lostWithDisk.append(write)
            }
        }
        droppedBy[lost.id] = nil
    }

    func isLost(_ write: Entry) -> Bool { lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp)) }

    /// True when `replica` holds `write` or an entry that supersedes it, or holds nothing for the
    /// key having dropped such an entry.
    func holdsEffect(of write: Entry, in replica: Replica) -> Bool {
        guard let held = replica.map.entry(forKey: write.key) else {
            guard let dropped = droppedBy[replica.id]?[write.key] else { return false }
            return dropped == write || dropped.wins(over: write)
        }
        return held == write || held.wins(over: write)
    }

    /// True when some replica collected `write` or an entry that supersedes it: the information
    /// that `write` lost is then gone from that replica, and a replica that never saw it learns
    /// it only from the reconcile step or a bucket exchange.
    func isCollectedSomewhere(_ write: Entry) -> Bool {
        guard let collected = collectedMax[write.key] else { return false }
        return collected == write || collected.wins(over: write)
    }

    /// Whether the expected final entry `entry` may be absent: it is dead and was collected.
    func mayBeAbsent(_ entry: Entry) -> Bool { collectedMax[entry.key] == entry }

    /// Nil when `entries` (sorted by key) are the expected map, up to collected dead entries.
    func mapProblem(_ entries: [Entry]) -> String? {
        var held: [[UInt8]: Entry] = [:]
        for entry in entries { held[entry.key] = entry }
        for expected in expectedEntries {
            let actual = held.removeValue(forKey: expected.key)
            if actual == expected || (actual == nil && mayBeAbsent(expected)) { continue }
            if let actual, mayBeAbsent(expected), zombies.contains(WriteKey(origin: actual.origin, timestamp: actual.timestamp)) {
                continue
            }
            return "expected \(expected), found \(actual.map { "\($0)" } ?? "nothing")"
        }
        if let extra = held.values.first { return "holds \(extra), which no accepted write explains" }
        return nil
    }

    /// Per key, the greatest surviving accepted write, sorted by key.
    public var expectedEntries: [Entry] {
        var best: [[UInt8]: Entry] = [:]
        for write in accepted where !isLost(write) {
            if let current = best[write.key], !write.wins(over: current) { continue }
            best[write.key] = write
        }
        return best.values.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// The watermark invariant, checked while the run goes: a replica claiming watermark w for
    /// origin o holds the effect of every surviving write by o at or below w.
    func watermarkViolation(in replica: Replica) -> String? {
        for write in accepted where !isLost(write) && write.timestamp <= replica.digest[write.origin] {
            if !holdsEffect(of: write, in: replica) && !isCollectedSomewhere(write) {
                return "replica \(replica.id) claims watermark \(replica.digest[write.origin]) for origin "
                    + "\(write.origin) but lacks \(write)"
            }
        }
        return nil
    }
}
