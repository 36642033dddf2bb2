/// Garbage collection of tombstones and expired values (README, "Deletes and garbage
/// collection", states the rule for operators).
///
/// **Drop rule.** An entry is dropped when (a) it has been dead (a tombstone since its timestamp,
/// an expiring value since its deadline) for longer than `tombstoneGracePeriodMilliseconds` at
/// this replica's HLC read time, (b) this replica's durable digest (`advertisedDigest`: its
/// watermarks capped by what the shell last reported fsynced, `markDurable`), the last digest
/// of every current peer (received since it last became a peer) and the last digest of every
/// peer that left less than a grace period ago all cover it (`digest[origin] >= timestamp`), and (c) this engine has
/// run for a grace period: the peers that departed before a restart are unknown to this life. A
/// covering digest means its holder has the entry or something newer for the key, so after the
/// drop no member holds a value the tombstone superseded. Only dead entries are ever collected:
/// no digest (ours or a peer's) removes a live value.
///
/// **What remains (the zombie limit).** A node away from the cluster (down, or cut off and
/// removed from the membership) for longer than the grace period may return holding a value
/// whose delete every other node collected meanwhile; that value is then live again everywhere,
/// as in Cassandra past `gc_grace_seconds`. Within the grace period it cannot happen: its last
/// digest holds collection back. For a short while after a collection, copies of superseded
/// writes still in flight are refused (`Replica.collect`, the collection echo window), so a
/// delayed datagram does not bring a key back.
extension GossipEngine {
    /// Drops every entry that satisfies the drop rule now. One scan of the map; runs once per
    /// `collectionIntervalMilliseconds` from `tick`.
    mutating func collectGarbage(now: UInt64) -> [GossipDirective] {
        guard now >= startedAt, now - startedAt > config.tombstoneGracePeriodMilliseconds else { return [] }
        // Our own coverage counts only as far as it is on disk: a crash that loses unsynced
        // records must not leave a collection standing on a claim the node no longer holds.
        var digests = [advertisedDigest]
        for peer in peers {
            guard let digest = peerDigests[peer] else { return [] }
            digests.append(digest)
        }
        // A peer that left less than a grace period ago still counts: it may hold writes no
        // watermark of ours covers (which the reconcile step cannot judge), older than a
        // tombstone we would collect. Only a node away longer than the grace period risks that.
        departed = departed.filter {
            now < $0.value.at || now - $0.value.at <= config.tombstoneGracePeriodMilliseconds
        }
        for (_, gone) in departed { digests.append(gone.digest) }
        let readTime = replica.readTime(physical: now)
        var directives: [GossipDirective] = []
        let candidates = replica.map.entriesPastGrace(
            at: readTime, graceMilliseconds: config.tombstoneGracePeriodMilliseconds)
        for entry in candidates where digests.allSatisfy({ $0[entry.origin] >= entry.timestamp }) {
            if replica.collect(entry, now: now, echoMilliseconds: config.collectionEchoMilliseconds) {
                directives.append(.collected(entry))
            }
        }
        return directives
    }
}
