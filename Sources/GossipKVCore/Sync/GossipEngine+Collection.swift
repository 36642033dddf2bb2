/// Garbage collection of tombstones and expired values (NOTES-gc.md states the rule for
/// operators; `GossipEngine+Reconcile.swift` keeps a collected delete from coming back).
///
/// **Drop rule.** An entry is dropped when (a) it has been dead (a tombstone since its timestamp,
/// an expiring value since its deadline) for longer than `tombstoneGracePeriodMilliseconds` at
/// this replica's HLC read time, and (b) this replica's digest, the last known digest of every
/// current peer (each reconciled with us), and the last known digest of every peer that left
/// less than a grace period ago all cover it (`digest[origin] >= timestamp`). A peer whose
/// digest is unknown (new, renewed, or silent since we started) blocks collection. A covering
/// digest means its holder has the entry or something newer for the key, so after the drop no
/// member holds a value the tombstone superseded without its digest saying so.
///
/// **What keeps a collected delete collected.** By the digest invariant ("never claims more than
/// it holds"), an entry our watermark covers while we hold nothing for its key can only be the
/// effect of something garbage collection dropped:
/// - on receipt (`Replica.isCollectedEarlier`) such an entry is ignored, not merged;
/// - a node that was away (removed from the peers) must reconcile before any entry moves, and
///   drops the values the other side's digest covers but it no longer holds;
/// - before adopting an answer's digest, and at the end of any bucket exchange, a node drops the
///   live values that the peer's digest covers but that the peer did not send.
/// Writes made by a node while cut off are above the others' watermarks for its origin, so no
/// rule touches them: they win or lose by `(hlc, origin)` as any write.
extension GossipEngine {
    /// Drops every entry that satisfies the drop rule now. One scan of the map; runs once per
    /// `collectionIntervalMilliseconds` from `tick`.
    mutating func collectGarbage(now: UInt64) -> [GossipDirective] {
        var digests = [replica.digest]
        for peer in peers {
            guard isReconciled(with: peer, now: now), let digest = peerDigests[peer] else { return [] }
            digests.append(digest)
        }
        // A peer that left less than a grace period ago still counts: it may hold writes no
        // watermark of ours covers (which the reconcile step cannot judge), older than a
        // tombstone we would collect. Only a node away longer than the grace period risks that.
        departed = departed.filter { now < $0.value.at || now - $0.value.at <= config.tombstoneGracePeriodMilliseconds }
        for (_, gone) in departed { digests.append(gone.digest) }
        let readTime = replica.readTime(physical: now)
        var directives: [GossipDirective] = []
        let candidates = replica.map.entriesPastGrace(
            at: readTime, graceMilliseconds: config.tombstoneGracePeriodMilliseconds)
        for entry in candidates where digests.allSatisfy({ $0[entry.origin] >= entry.timestamp }) {
            if replica.collect(entry) { directives.append(.collected(entry)) }
        }
        return directives
    }

    mutating func rememberBucketRound(_ key: AnswerKey, _ round: BucketRound) {
        if bucketRounds.updateValue(round, forKey: key) == nil { bucketRoundOrder.append(key) }
        while bucketRoundOrder.count > config.maxPendingAnswers * 4, let oldest = bucketRoundOrder.popFirst() {
            bucketRounds[oldest] = nil
        }
    }
}
