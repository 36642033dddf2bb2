import GossipKVCore

/// Every client operation a schedule performed, and what the replicas must end with.
///
/// The expected final map holds, per key, the greatest accepted write under `Entry`'s order.
/// A write is forgiven only when a disk loss destroyed every copy of it (it had reached no other
/// replica): the checker reports those instead of failing.
public struct History: Sendable {
    public private(set) var accepted: [Entry] = []
    /// Writes destroyed with a disk before any other replica held them.
    public private(set) var lostWithDisk: [Entry] = []
    private var lostIDs: Set<WriteKey> = []

    struct WriteKey: Hashable, Sendable {
        var origin: NodeID
        var timestamp: HLCTimestamp
    }

    mutating func record(_ entry: Entry) { accepted.append(entry) }

    /// Marks the writes whose only copy was on the replica that lost its disk.
    mutating func recordDiskLoss(of lost: Replica, survivors: [Replica]) {
        for write in accepted where !lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp)) {
            let heldElsewhere = survivors.contains { Self.holdsEffect(of: write, in: $0) }
            if !heldElsewhere && Self.holdsEffect(of: write, in: lost) {
                lostIDs.insert(WriteKey(origin: write.origin, timestamp: write.timestamp))
                lostWithDisk.append(write)
            }
        }
    }

    func isLost(_ write: Entry) -> Bool { lostIDs.contains(WriteKey(origin: write.origin, timestamp: write.timestamp)) }

    /// True when `replica` holds `write` or an entry that supersedes it.
    static func holdsEffect(of write: Entry, in replica: Replica) -> Bool {
        guard let held = replica.map.entry(forKey: write.key) else { return false }
        return held == write || held.wins(over: write)
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
            if !Self.holdsEffect(of: write, in: replica) {
                return "replica \(replica.id) claims watermark \(replica.digest[write.origin]) for origin "
                    + "\(write.origin) but lacks \(write)"
            }
        }
        return nil
    }
}
