/// Bucket exchanges: how two replicas whose watermarks say nothing more (equal digests with
/// unequal state hashes, or a `reconcile` opening) find the entries one of them lacks.
///
/// The pair compares 256 per-bucket hashes and sends each other the entries of the buckets that
/// differ; each side merges what arrives. Nothing else follows from the exchange: a 32-bit hash
/// that matches is not proof that two buckets hold the same entries, so no watermark is adopted
/// on its strength, and an entry the peer did not send is not evidence that it is stale, so none
/// is dropped (an earlier design did both; a peer answering with forged hashes or an empty
/// answer could then freeze or wipe a replica). A replica loses a live value only to a newer
/// entry it holds, or to its own garbage collection of a dead one.
///
/// `reconcile` (message kind 6) was the opening of that earlier design's gate for peers back from
/// an absence; it is still answered, as a bucket exchange, so that such a message from any peer
/// is harmless and useful.
extension GossipEngine {
    /// A peer opens a bucket exchange: we send our entries of the buckets that differ and ask
    /// for its entries of the same buckets.
    mutating func receiveReconcile(_ reconcile: Reconcile, from sender: NodeID, now: UInt64)
        -> [GossipDirective]
    {
        peerDigests[sender] = reconcile.digest
        var differing = BucketSet()
        for (bucket, hash) in replica.map.bucketHashes.enumerated()
        where bucket < reconcile.hashes.count && UInt32(truncatingIfNeeded: hash) != reconcile.hashes[bucket]
        {
            differing.insert(UInt8(bucket))
        }
        guard !differing.isEmpty else { return [] }
        rememberBucketExchange(AnswerKey(peer: sender, syncID: reconcile.syncID, phase: .buckets))
        let entries = replica.map.entries(inBuckets: differing)
        return chunks(
            entries, syncID: reconcile.syncID, phase: .buckets, digest: advertisedDigest,
            requestedBuckets: differing
        ).map { .send(.syncAnswer($0), to: sender) }
    }

    /// The end of a bucket exchange's answer from a peer: the entries arrived and were merged
    /// one by one; the exchange's bookkeeping is all that is left to clear.
    /// After an answer to our request that changed nothing, while the peer's last state hash
    /// still differs from ours: our buckets, so the pair exchanges the entries of the buckets
    /// that differ. Without it two replicas can stay apart for good: when both hold entries
    /// above a watermark that cannot move (an origin whose chain has a gap only a liar could
    /// fill), every answer carries those entries again, the delta is never empty, and the
    /// answerer never takes the bucket path, so a difference below the watermarks (a value the
    /// other lacks under an adopted over-claim) is never found.
    ///
    /// Not after an empty answer from a peer that lacks entries we hold above its watermarks:
    /// our answer back carries them now, and that alone is why the state hashes differ. Bucket
    /// hashes sent then could reach the peer before the answer back and draw every entry of
    /// every bucket it lacks a second time (a node back with an empty disk got its whole map
    /// twice at N = 10: issue 12). Once the answer back has landed, the next round compares
    /// again, and equal digests with unequal state hashes take the bucket path there.
    mutating func bucketsAfterFruitlessAnswer(
        from peer: NodeID, syncID: UInt64, answerWasEmpty: Bool, peerDigest: Digest, now: UInt64
    ) -> [GossipDirective] {
        guard let peerHash = peerStateHashes[peer], peerHash != replica.map.stateHash else { return [] }
        if answerWasEmpty && replica.map.deltaCount(for: peerDigest) > 0 { return [] }
        guard mayExchangeBuckets(with: peer, now: now) else { return [] }
        rememberBucketExchange(AnswerKey(peer: peer, syncID: syncID, phase: .buckets))
        let hashes = replica.map.bucketHashes.map { UInt32(truncatingIfNeeded: $0) }
        return [.send(.bucketHashes(BucketHashes(syncID: syncID, hashes: hashes)), to: peer)]
    }

    /// Whether a bucket exchange with `peer` may begin now. Not while pushes flow through this
    /// node: the state hashes then differ because entries are in flight, answers change
    /// nothing because pushes deliver them, and every bucket differs, so the exchange ships the
    /// whole map both ways (10 real processes under a 100k-write burst: 31-61 exchanges of
    /// 6-10 MB each, 40-70 % of all bytes; `gossipkv_sync_answer_bytes_out_total{phase="buckets"}`).
    /// Any push counts, not only pushes with `peer`: two leaves of the push tree exchange no
    /// pushes, yet both take the burst (deferring only for pushes with the peer left 14
    /// exchanges, 89 MB, 36 % of the bytes of the same burst). The pushes' entries land on their
    /// own; a difference that outlives them is found by the first exchange after
    /// `pushQuietForBucketsMilliseconds` without pushes. Deferred at most
    /// `longestBucketDeferralMilliseconds` per peer, so a peer that never stops pushing (a liar,
    /// or an endless stream of writes) cannot keep a difference below the watermarks hidden for
    /// good.
    mutating func mayExchangeBuckets(with peer: NodeID, now: UInt64) -> Bool {
        guard let last = rounds.lastPushAt, now < last.addingSaturating(Self.pushQuietForBucketsMilliseconds)
        else {
            rounds.bucketsDeferredSince[peer] = nil
            return true
        }
        let since = rounds.bucketsDeferredSince[peer] ?? now
        if now >= since.addingSaturating(Self.longestBucketDeferralMilliseconds) {
            rounds.bucketsDeferredSince[peer] = nil
            return true
        }
        rounds.bucketsDeferredSince[peer] = since
        return false
    }

    /// How long no push may have gone through the node before a bucket exchange begins: longer
    /// than the gaps between pushes of a burst, short enough that a heal right after writes
    /// does not wait long (with the 5 s change window it took up to 5 s more).
    static let pushQuietForBucketsMilliseconds: UInt64 = 1_000

    /// The longest pushes defer a bucket exchange with one peer.
    static let longestBucketDeferralMilliseconds: UInt64 = 30_000

    mutating func finishBucketExchange(_ key: AnswerKey) {
        bucketExchanges.remove(key)
    }

    /// Notes a bucket exchange we began; the oldest are forgotten past `maxPendingAnswers * 4`.
    mutating func rememberBucketExchange(_ key: AnswerKey) {
        if bucketExchanges.insert(key).inserted { bucketExchangeOrder.append(key) }
        while bucketExchangeOrder.count > config.maxPendingAnswers * 4,
            let oldest = bucketExchangeOrder.popFirst()
        {
            bucketExchanges.remove(oldest)
        }
    }
}
