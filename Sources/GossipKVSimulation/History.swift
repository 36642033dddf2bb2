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
/// dropped a key's entry, only a newer write of the key may show there again, unless the value
/// is a zombie held by a node away longer than the grace period (`noteZombies`).
///
/// With Byzantine members (`SimulationOptions.byzantineNodes`) the expected map is computed
/// from the writes of honest origins; a liar's write is forgiven either way (it may win a key,
/// or be lost), and the checks run on honest replicas only.
///
/// Reads (`checkRead`): each node has one client; it reads its own writes, its reads of a key
/// never go back to an older entry, and a value past its expiry reads as absent.
public struct History: Sendable {
    public private(set) var accepted: [Entry] = []
    /// Origins of Byzantine members: their writes are forgiven.
    public private(set) var liars: Set<NodeID>
    /// Per node's client and key, the last entry it wrote and the last entry it read.
    private var lastWritten: [NodeID: [[UInt8]: Entry]] = [:]
    private var lastRead: [NodeID: [[UInt8]: Entry]] = [:]
    public private(set) var readCount = 0
    /// Per replica, the writes it may claim without holding their effect: an honest peer that
    /// held their effect itself (or was vouched for in turn) sent the watermarks that cover them
    /// (`noteClaims`). How garbage collection is meant to work: a peer that collected a
    /// tombstone answers without it, and the asker takes the tombstone's effect from the
    /// watermark. A liar vouches for nothing.
    private var vouched: [NodeID: Set<WriteKey>] = [:]
    /// With `strictClaims`, nothing is vouched for: a claim is excused only by what its own
    /// replica holds or collected (`SimulationOptions.strictChecks`).
    public let strictClaims: Bool

    /// A liar restarted under a new data epoch: its writes carry a new origin, a liar's too.
    mutating func addLiarOrigin(_ origin: NodeID) { liars.insert(origin) }

    public init(liars: Set<NodeID> = [], strictClaims: Bool = false) {
        self.liars = liars
        self.strictClaims = strictClaims
    }

    /// Called after `replica` handled a message from `peer` (the peer's replica as it is now,
    /// nil for an unknown sender), with `replica`'s digest before: records which newly claimed
    /// writes, lacking at `replica`, the peer vouches for (`vouched`).
    mutating func noteClaims(of replica: Replica, before: Digest, from peer: Replica?) {
        guard !strictClaims, replica.digest != before else { return }
        let raised = replica.digest.watermarks.filter { $0.value > before[$0.key] && !liars.contains($0.key) }
        guard !raised.isEmpty else { return }
        for write in accepted {
            guard let watermark = raised[write.origin], write.timestamp > before[write.origin],
                write.timestamp <= watermark, !holdsEffect(of: write, in: replica)
            else { continue }
            let key = WriteKey(origin: write.origin, timestamp: write.timestamp)
            guard let peer, !liars.contains(peer.id),
                holdsEffect(of: write, in: peer) || vouched[peer.id]?.contains(key) == true
            else { continue }
            vouched[replica.id, default: []].insert(key)
        }
    }
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
    /// Deletes undone in schedules with liars (see `resurrection(at:merging:now:)`).
    public private(set) var liarResurrections = 0

    struct WriteKey: Hashable, Sendable {
        var origin: NodeID
        var timestamp: HLCTimestamp
    }

    mutating func record(_ entry: Entry) {
        accepted.append(entry)
        lastWritten[entry.origin, default: [:]][entry.key] = entry
    }

    /// Checks a client read at `reader` (the node's current origin: a session ends with a data
    /// epoch, as the writes it could have lost): `value` is what `Replica.get` returned, `entry` what
    /// the map holds for the key, `readTime` the reader's HLC read time. Nil when the read is
    /// right: the value is the entry's unless the entry is dead at `readTime` (expired: absent),
    /// and the entry is the reader's own last write of the key or newer (read-your-writes), and
    /// its last read of the key or newer (monotonic reads). Absent counts as newer when the
    /// reader itself collected an entry at least as new; a zombie (`noteZombies`) is excused.
    mutating func checkRead(
        at reader: NodeID, replica replicaID: NodeID, key: [UInt8], entry: Entry?, value: [UInt8]?,
        readTime: HLCTimestamp
    ) -> String? {
        readCount += 1
        let name = String(decoding: key, as: UTF8.self)
        if value != entry?.visibleValue(at: readTime) {
            return "read: \(name) read \(value.map { "\($0.count)B" } ?? "nothing") at \(readTime) but the "
                + "replica holds \(entry.map { "\($0)" } ?? "nothing") (expiry \(entry?.expiry.map { "\($0)" } ?? "none"))"
        }
        let floors = [
            ("its own write", lastWritten[reader]?[key]), ("an earlier read", lastRead[reader]?[key]),
        ]
        for case let (what, floor?) in floors {
            // A floor that reads as absent now (a tombstone, an expired value) is met by any
            // entry that reads as absent too: an old dead entry may come back after its key was
            // collected (past the collection echo window), and reads the same.
            if floor.visibleValue(at: readTime) == nil && value == nil { continue }
            // Absent because the replica collected a dead entry at least as new as the floor;
            // an older dead entry may have come back since (past the echo window): still absent.
            if value == nil, let dropped = droppedBy[replicaID]?[key],
                dropped == floor || dropped.wins(over: floor)
            {
                continue
            }
            if let entry {
                if entry == floor || entry.wins(over: floor) { continue }
                if zombies.contains(WriteKey(origin: entry.origin, timestamp: entry.timestamp)) { continue }
            }
            return "read: the client of \(reader) read \(entry.map { "\($0)" } ?? "nothing") for \(name), "
                + "older than \(what) \(floor)"
        }
        if let entry { lastRead[reader, default: [:]][key] = entry }
        return nil
    }

    /// A node that lost data (its disk, or what it had not synced) starts a new client session:
    /// what its client wrote or read before may be gone (forgiven, like the writes themselves).
    mutating func resetSession(of node: NodeID) {
        lastWritten[node] = nil
        lastRead[node] = nil
    }

    /// A replica dropped `entry` (garbage collection or the reconcile step).
    mutating func recordCollected(_ entry: Entry, by replica: NodeID) {
        collectedCount += 1
        if let held = collectedMax[entry.key], !entry.wins(over: held) {
        } else {
            collectedMax[entry.key] = entry
        }
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
        if !liars.isEmpty {
            // A stated limit, counted: collection trusts every member's digest, and an honest
            // member that adopted a liar's inflated (but bounded) watermark claims a delete it
            // lacks, so the others may collect it while that member still holds the value the
            // delete superseded. The value comes back; nothing is lost. Honest schedules (two
            // thirds of the runs) still fail on any resurrection.
            zombies.insert(WriteKey(origin: entry.origin, timestamp: entry.timestamp))
            liarResurrections += 1
            return nil
        }
        return
            "resurrection: replica \(replica) merged \(entry) after dropping \(dropped): a deleted key came back"
    }

    /// Called when `collector` collects `entry`, with the replicas of the nodes away from it
    /// (down, or cut off from it) for longer than the grace period, live and as last synced to
    /// their disks: a visible value of the
    /// key that loses to `entry`, held there while the collector's digest does not cover it, is
    /// a *zombie*: no watermark vouches that it was superseded, so nothing can stop it from
    /// coming back when its holder returns (the limit the README's "Deletes, expiry and garbage
    /// collection" states; Cassandra's
    /// gc_grace_seconds has the same one). It is counted, and may come back, but only it: a
    /// current member's value must never be one, since collection waits for its digest.
    mutating func noteZombies(
        collected entry: Entry, by collector: Replica, replicas: [Replica], now: HLCTimestamp
    ) {
        for replica in replicas {
            guard let held = replica.map.entry(forKey: entry.key), entry.wins(over: held),
                held.visibleValue(at: now) != nil
            else { continue }
            zombies.insert(WriteKey(origin: held.origin, timestamp: held.timestamp))
        }
    }

    /// Marks the writes whose only copy was on the replica that lost its disk (all of it, or,
    /// with `kept`, what it had not synced), and forgets what that replica had dropped.
    ///
    /// `damaged`: a `--repair` recovery cut records the node had fsynced. A delete among them
    /// may already be collected everywhere else (the node's durable digest covered it), so a
    /// value it superseded that the kept state still holds is a zombie: disk damage brings it
    /// back, which no watermark can prevent (README, "the zombie limit"). Without a repair cut
    /// nothing is excused: what a power loss takes was never fsynced, so no digest that
    /// allowed a collection covered it.
    mutating func recordDiskLoss(
        of lost: Replica, keeping kept: Replica? = nil, damaged: Bool = false, survivors: [Replica]
    ) {
        if damaged, let kept {
            for entry in kept.map.sortedEntries() {
                guard let superseding = lost.map.entry(forKey: entry.key) ?? droppedBy[lost.id]?[entry.key],
                    superseding.wins(over: entry)
                else { continue }
                zombies.insert(WriteKey(origin: entry.origin, timestamp: entry.timestamp))
            }
        }
        for write in accepted
        where !lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp)) {
            let heldElsewhere =
                survivors.contains { holdsEffect(of: write, in: $0) }
                || kept.map { holdsEffect(of: write, in: $0) } == true
            if !heldElsewhere && holdsEffect(of: write, in: lost) {
                lostIDs.insert(WriteKey(origin: write.origin, timestamp: write.timestamp))
                lostWithDisk.append(write)
            }
        }
        // What the kept state lacks and the replica had dropped, it had dropped before that
        // state was synced (a key dropped later was still in it): those drops survive.
        if let kept {
            droppedBy[lost.id] = droppedBy[lost.id]?.filter { kept.map.entry(forKey: $0.key) == nil }
        } else {
            droppedBy[lost.id] = nil
        }
        resetSession(of: lost.id)
    }

    func isLost(_ write: Entry) -> Bool {
        lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp))
    }

    /// True when `replica` holds `write` or an entry that supersedes it, or holds nothing for the
    /// key having dropped such an entry.
    func holdsEffect(of write: Entry, in replica: Replica) -> Bool {
        if let held = replica.map.entry(forKey: write.key), held == write || held.wins(over: write) {
            return true
        }
        guard let dropped = droppedBy[replica.id]?[write.key] else { return false }
        return dropped == write || dropped.wins(over: write)
    }

    /// Whether the expected final entry `entry` may be absent: it is dead and was collected, or a
    /// liar's write that supersedes it was (and the liar's write is forgiven).
    func mayBeAbsent(_ entry: Entry) -> Bool {
        guard let collected = collectedMax[entry.key] else { return false }
        return collected == entry || (liars.contains(collected.origin) && collected.wins(over: entry))
    }

    /// Nil when `entries` (sorted by key) are the expected map, up to collected dead entries,
    /// zombies, and liars' writes (which may win a key over the honest writes, or be lost).
    ///
    /// `deadPastGrace` (liar schedules only, see `Simulation.agrees`): an expected entry dead past
    /// the grace period may be held as any entry dead past grace, or not at all; readers see the
    /// key absent either way. A live value there still fails.
    func mapProblem(_ entries: [Entry], deadPastGrace: (Entry) -> Bool = { _ in false }) -> String? {
        var held: [[UInt8]: Entry] = [:]
        for entry in entries { held[entry.key] = entry }
        for expected in expectedEntries {
            let actual = held.removeValue(forKey: expected.key)
            if deadPastGrace(expected), actual.map(deadPastGrace) ?? true { continue }
            if actual == expected || (actual == nil && mayBeAbsent(expected)) { continue }
            if let actual, liars.contains(actual.origin), actual.wins(over: expected) { continue }
            // A liar may send its own old tombstone again after the newer honest entry, dead
            // too, was collected everywhere: readers see the key absent either way.
            if let actual, liars.contains(actual.origin), actual.isTombstone, mayBeAbsent(expected) {
                continue
            }
            if let actual, mayBeAbsent(expected),
                zombies.contains(WriteKey(origin: actual.origin, timestamp: actual.timestamp))
            {
                continue
            }
            // A liar's delete won the key and is dead past grace: a replica that never held it
            // (restarted without its disk after the others had it) may stay without the key.
            if actual == nil, supersededByLiarTombstone(expected, deadPastGrace: deadPastGrace) { continue }
            // A write counted lost with a disk while only a liar held it, given back after all.
            if let actual, isLost(actual), actual.wins(over: expected) { continue }
            if let actual, actual.wins(over: expected) {
                return
                    "holds \(actual), newer than the expected \(expected), which no accepted write explains"
            }
            let what =
                expected.isTombstone && actual?.value != nil
                ? "resurrection: a deleted key came back" : "lost honest write"
            return "\(what): expected \(expected), found \(actual.map { "\($0)" } ?? "nothing")"
        }
        for extra in held.values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) })
        where !liars.contains(extra.origin) && !isLost(extra) {
            return "holds \(extra), which no accepted write of an honest origin explains"
        }
        return nil
    }

    /// Whether a liar's accepted tombstone, dead past the grace period, supersedes `expected`:
    /// readers see the key absent whether a replica holds that tombstone or nothing.
    func supersededByLiarTombstone(_ expected: Entry, deadPastGrace: (Entry) -> Bool) -> Bool {
        accepted.contains { write in
            write.key == expected.key && liars.contains(write.origin) && write.isTombstone
                && write.wins(over: expected) && deadPastGrace(write)
        }
    }

    /// Per key, the greatest surviving accepted write of an honest origin, sorted by key.
    public var expectedEntries: [Entry] {
        var best: [[UInt8]: Entry] = [:]
        for write in accepted where !isLost(write) && !liars.contains(write.origin) {
            if let current = best[write.key], !write.wins(over: current) { continue }
            best[write.key] = write
        }
        return best.values.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// The watermark invariant, checked while the run goes: a replica claiming watermark w for
    /// an honest origin o holds the effect of every surviving write by o at or below w: it holds
    /// the write or something newer for its key, or it collected such an entry itself, or (unless
    /// `strictClaims`) an honest peer that held that effect vouched for it (`noteClaims`).
    /// Another replica's collection alone excuses nothing: a claim is only as good as the
    /// evidence behind it, so a watermark taken from a liar over a write the replica lacks fails.
    func watermarkViolation(in replica: Replica) -> String? {
        for write in accepted
        where !isLost(write) && !liars.contains(write.origin)
            && write.timestamp <= replica.digest[write.origin]
        {
            if !holdsEffect(of: write, in: replica)
                && vouched[replica.id]?.contains(WriteKey(origin: write.origin, timestamp: write.timestamp))
                    != true
                && !isZombieOverCollected(write, in: replica)
            {
                let held = replica.map.entry(forKey: write.key).map { "\($0)" } ?? "nothing"
                let elsewhere = collectedMax[write.key].map { "; collected elsewhere: \($0)" } ?? ""
                return
                    "watermark over-claim: replica \(replica.id) claims watermark \(replica.digest[write.origin]) "
                    + "for origin \(write.origin) but lacks \(write) (holds \(held)\(elsewhere))"
            }
        }
        return nil
    }

    /// The zombie limit, seen from a watermark: the replica collected `write` (or something newer
    /// for its key), and a zombie (`noteZombies`) came back for the key since. Its watermark
    /// still covers what it collected; what it holds is the stated limit, not an over-claim.
    ///
    /// The same holds for the zombie's own holder: it was away while the others collected
    /// `write`, which then exists nowhere, so the watermark it takes from them on its return (the
    /// way collection hands on a delete) covers an entry no one can send it any more.
    func isZombieOverCollected(_ write: Entry, in replica: Replica) -> Bool {
        guard let held = replica.map.entry(forKey: write.key),
            zombies.contains(WriteKey(origin: held.origin, timestamp: held.timestamp))
        else { return false }
        if let dropped = droppedBy[replica.id]?[write.key], dropped == write || dropped.wins(over: write) {
            return true
        }
        guard let collected = collectedMax[write.key] else { return false }
        return collected == write || collected.wins(over: write)
    }

    /// The liveness of watermarks, once the replicas agree: `replica`'s watermark for every
    /// honest origin covers that origin's newest surviving write. Nil when it does.
    /// `exempt`: origins not held to it (see `Simulation.convergenceProblem`).
    func watermarkLag(in replica: Replica, exempt: Set<NodeID> = []) -> String? {
        var newest: [NodeID: Entry] = [:]
        for write in accepted
        where !isLost(write) && !liars.contains(write.origin) && !exempt.contains(write.origin) {
            if let known = newest[write.origin], known.timestamp >= write.timestamp { continue }
            newest[write.origin] = write
        }
        for (origin, write) in newest.sorted(by: { $0.key < $1.key })
        where replica.digest[origin] < write.timestamp {
            return
                "watermark lag: replica \(replica.id)'s watermark \(replica.digest[origin]) for origin \(origin) "
                + "is below its newest write \(write)"
        }
        return nil
    }
}
