/// The reconcile step: what two nodes do before any entry goes between them when one of them may
/// have collected garbage the other never saw (NOTES-gc.md).
///
/// A peer is *unreconciled* when we never completed the reconcile step (or an equal summary)
/// with it in this life of the engine (so after our restart every peer is), or when it was
/// removed from the peers since: it was away while we may have collected, or we were away from
/// it. Garbage collection waits for every current peer's digest, so a peer that stayed a member
/// cannot miss a collected delete; only a removal opens that gap, and the reconcile closes it.
/// (A rule on contact gaps alone, such as "unreconciled after a grace period without contact",
/// adds nothing to that and, in a large idle cluster whose pairs seldom meet, reconciles over
/// and over.)
///
/// With an unreconciled peer we accept no entries (pushes, answers, bucket exchanges) and send
/// none: any message from it, or any round we would open with it, becomes a `reconcile` (our
/// digest and bucket hashes). The receiver answers with its entries of the buckets that differ
/// and its digest, asking for ours of the same buckets. At the end each side drops its live
/// values that the other's digest (and its own) covers but that the other did not send: the
/// other held that write or a newer one for the key and collected it, so the value is stale and
/// a deleted key would come back through it. Dead entries (tombstones, expired values) are left
/// to our own garbage collection, which waits for our own members. Then normal rounds resume.
extension GossipEngine {
    /// Whether `peer` is reconciled with us (see above); `now` is for a future contact rule.
    public func isReconciled(with peer: NodeID, now: UInt64) -> Bool {
        reconciledAt[peer] != nil
    }

    /// Refreshes the last contact with a reconciled peer (an unreconciled one stays so).
    mutating func noteContact(with peer: NodeID, now: UInt64) {
        guard isReconciled(with: peer, now: now) else { return }
        reconciledAt[peer] = Swift.max(reconciledAt[peer] ?? 0, now)
    }

    /// Nil lets a message through. From an unreconciled peer only a `reconcile`, the bucket
    /// answers of a reconcile under way, and an equal summary (identical maps: nothing stale on
    /// either side, so it reconciles at once) pass; anything else is dropped and answered with
    /// a `reconcile`.
    mutating func gateUnreconciled(_ message: GossipMessage, from sender: NodeID, now: UInt64) -> [GossipDirective]? {
        if isReconciled(with: sender, now: now) { return nil }
        switch message {
        case .reconcile:
            return nil
        case let .syncAnswer(answer) where answer.phase == .buckets:
            let key = AnswerKey(peer: sender, syncID: answer.syncID, phase: .buckets)
            if bucketRounds[key]?.reconciles == true { return nil }
        case let .syncSummary(summary) where summary == self.summary:
            reconciledAt[sender] = now
            return nil
        default:
            break
        }
        return beginReconcile(with: sender, now: now)
    }

    /// Sends `peer` our digest and bucket hashes, at most once per sync timeout.
    mutating func beginReconcile(with peer: NodeID, now: UInt64) -> [GossipDirective] {
        if let sent = reconcileSentAt[peer], now >= sent, now - sent < config.syncTimeoutMilliseconds { return [] }
        reconcileSentAt[peer] = now
        let syncID = makeSyncIDForReconcile()
        rememberBucketRound(
            AnswerKey(peer: peer, syncID: syncID, phase: .buckets), BucketRound(digest: nil, buckets: nil, reconciles: true))
        let hashes = replica.map.bucketHashes.map { UInt32(truncatingIfNeeded: $0) }
        return [.send(.reconcile(Reconcile(syncID: syncID, digest: replica.digest, hashes: hashes)), to: peer)]
    }

    /// A peer opens the reconcile step: it is unreconciled until the step ends, whatever it was.
    mutating func receiveReconcile(_ reconcile: Reconcile, from sender: NodeID, now: UInt64) -> [GossipDirective] {
        reconciledAt[sender] = nil
        var differing = BucketSet()
        for (bucket, hash) in replica.map.bucketHashes.enumerated()
        where bucket < reconcile.hashes.count && UInt32(truncatingIfNeeded: hash) != reconcile.hashes[bucket] {
            differing.insert(UInt8(bucket))
        }
        if differing.isEmpty {
            // The same entries on both sides: nothing stale to drop, and its watermarks hold here.
            reconciledAt[sender] = now
            peerDigests[sender] = reconcile.digest
            replica.adopt(reconcile.digest)
        } else {
            rememberBucketRound(
                AnswerKey(peer: sender, syncID: reconcile.syncID, phase: .buckets),
                BucketRound(digest: reconcile.digest, buckets: differing, reconciles: true))
        }
        let entries = replica.map.entries(inBuckets: differing)
        return chunks(
            entries, syncID: reconcile.syncID, phase: .buckets, digest: replica.digest, requestedBuckets: differing
        ).map { .send(.syncAnswer($0), to: sender) }
    }

    /// The end of a bucket exchange's answer from a peer (the reconcile step's, or the one that
    /// follows equal digests with unequal maps): drops our stale values in the compared buckets.
    ///
    /// At the end of the reconcile step we also adopt the peer's digest (unless we refused one of
    /// its entries): we now hold every entry it held (the differing buckets came whole, the others
    /// were equal), or dropped it as stale, so we hold the effect of every write it covered.
    mutating func reconcileBuckets(
        _ key: AnswerKey, supplied: Set<[UInt8]>, refused: Bool, now: UInt64
    ) -> [GossipDirective] {
        guard let round = bucketRounds.removeValue(forKey: key), let buckets = round.buckets,
            let peerDigest = round.digest
        else { return [] }
        var directives: [GossipDirective] = []
        let readTime = replica.readTime(physical: now)
        for entry in replica.map.entries(inBuckets: buckets)
        where isStale(entry, coveredBy: peerDigest, at: readTime) && !supplied.contains(entry.key) {
            if replica.collect(entry) { directives.append(.collected(entry)) }
        }
        if round.reconciles {
            reconciledAt[key.peer] = now
            reconcileSentAt[key.peer] = nil
            peerDigests[key.peer] = peerDigest
            if !refused { replica.adopt(peerDigest) }
        } else {
            noteContact(with: key.peer, now: now)
        }
        return directives
    }

    /// Before adopting an answer's digest: drops our live values that it newly covers (above the
    /// digest the answerer computed its answer against, `base`) and whose keys it did not send.
    /// The answer held every entry the answerer had above `base`; a covered write it did not
    /// send was superseded there by something it collected. After the adoption our own digest
    /// covers the dropped value, so `Replica.isCollectedEarlier` keeps it out for good.
    mutating func dropCollectedElsewhere(
        between base: Digest, and answerDigest: Digest, supplied: Set<[UInt8]>, now: UInt64
    ) -> [GossipDirective] {
        var directives: [GossipDirective] = []
        let readTime = replica.readTime(physical: now)
        for (origin, watermark) in answerDigest.sorted where watermark > base[origin] {
            for entry in replica.map.entries(from: origin, after: base[origin])
            where entry.timestamp <= watermark && entry.visibleValue(at: readTime) != nil
                && !supplied.contains(entry.key)
            {
                if replica.collect(entry) { directives.append(.collected(entry)) }
            }
        }
        return directives
    }

    /// A live value (dead entries are left to our own collection, which waits for our own
    /// members) that both `peerDigest` and our own digest cover: if the peer does not hold it,
    /// the peer collected what superseded it. Our own coverage keeps it out once dropped.
    private func isStale(_ entry: Entry, coveredBy peerDigest: Digest, at readTime: HLCTimestamp) -> Bool {
        entry.visibleValue(at: readTime) != nil && peerDigest[entry.origin] >= entry.timestamp
            && replica.digest[entry.origin] >= entry.timestamp
    }
}
