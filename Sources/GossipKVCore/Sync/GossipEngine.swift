import DequeModule

/// The anti-entropy state machine of one node: delta-digest rounds, eager pushes and answer
/// reassembly around a `Replica`. Sans-I/O in the manner of swift-cluster-membership's
/// `SWIM.Instance`: inputs are a received message, a tick, or a local write; outputs are
/// `GossipDirective`s, and `nextTickAt` says when the shell must call `tick` again.
///
/// A round (DESIGN, "Anti-entropy"): A sends its digest and state hash (`SyncRequest`). If B
/// holds the same digest and state hash, it answers with a `SyncSummary` and the round ends.
/// If only the digests match, B sends its bucket hashes; A sends the entries of the buckets that
/// differ and asks for B's, and B sends them back. Otherwise B answers with every entry above
/// A's watermarks plus its own digest (`.answer`), and A answers back with every entry above
/// B's watermarks plus its digest (`.answerBack`). Each side adopts the other's watermarks once
/// the whole answer arrived with no entry refused.
///
/// Claims are bounded and never delete (`GossipEngine+Claims.swift`): a digest whose watermarks
/// run past its sender's clock is refused whole, and no message from a peer removes a live
/// value; only a newer entry does, or garbage collection of a dead entry
/// (`GossipEngine+Collection.swift`). A node whose clock runs ahead of most peers refuses local
/// writes until it is back (`GossipEngine+Fencing.swift`).
public struct GossipEngine: Sendable {
    /// Names one write: every write gets its own HLC tick at its origin.
    struct WriteID: Hashable, Sendable {
        var origin: NodeID
        var timestamp: HLCTimestamp
    }

    struct AnswerKey: Hashable, Sendable {
        var peer: NodeID
        var syncID: UInt64
        var phase: SyncAnswer.Phase
    }

    public let config: GossipConfig
    /// The replica. Peers are node ids and are compared with `replica.id` (the node), never with
    /// `replica.origin` (what its writes are stamped with in its current data epoch).
    public internal(set) var replica: Replica {
        didSet { advertisedIsStale = true }
    }
    /// Known peers in node-id order (so random choices depend only on the seed).
    public private(set) var peers: [NodeID] = []
    private var random: SplitMix64
    private var nextSyncID: UInt64

    /// Writes waiting for the push window, relays, and the writes already seen.
    var pushQueue = PushQueue()

    var lastChangeAt: UInt64?
    private var nextRoundAt: UInt64
    private var nextIdleSummaryAt: UInt64
    /// Chunked answers being reassembled, and those recently finished.
    private var answers: AnswerAssembly
    /// Open rounds, requests out, the inbound slot and what holds exchanges back, per peer.
    var rounds = RoundsState()
    /// Since when some write has waited above a gap (links pending), nil when none waits.
    var gapSince: UInt64?
    /// Since when the digest we advertise has lagged what we hold (`roundsWaitForDurability`).
    var durableLagSince: UInt64?
    /// The last digest each peer sent us (in a request or an answer, or implied by a summary whose
    /// digest hash equals ours), for lag reports and garbage collection.
    public internal(set) var peerDigests: [NodeID: Digest] = [:]
    /// Each peer's last state hash (from its summary or request): whether a fruitless answer
    /// leaves our maps different (`GossipEngine+BucketExchange.swift`).
    var peerStateHashes: [NodeID: UInt64] = [:]
    /// The digest we sent with each recent request or answer, keyed by the answer it expects
    /// (the peer computed that answer against it), and each recent bucket exchange. Both
    /// bounded by `maxPendingAnswers * 4`.
    var sentDigests: [AnswerKey: Digest] = [:]
    var sentDigestOrder: Deque<AnswerKey> = []
    /// The bucket exchanges we began (sent bucket hashes, or asked for buckets), keyed like
    /// answers: only their answers get our entries back (`GossipEngine+BucketExchange.swift`).
    var bucketExchanges: Set<AnswerKey> = []
    var bucketExchangeOrder: Deque<AnswerKey> = []
    /// When the next garbage collection runs; nil when collection is off.
    var nextCollectionAt: UInt64?
    /// The latest time an input told us (removals carry no time of their own).
    var lastTickAt: UInt64
    /// When this engine started: garbage collection waits a grace period after it, since the
    /// peers that departed before a restart are unknown to this life (`collectGarbage`).
    let startedAt: UInt64
    /// The last clock each peer's messages carried, and when (`GossipEngine+Fencing.swift`).
    var peerClocks: [NodeID: PeerClockSample] = [:]
    /// The shell's monotonic clock at its last input, and the last stall it showed
    /// (`GossipEngine+Fencing.swift`, `noteRunTime`).
    var lastInputMonotonic: UInt64?
    var lastStall: ProcessStall?
    /// The watermarks the shell last made durable (nil: no disk, advertise what is held).
    /// See `advertisedDigest`.
    public internal(set) var durableDigest: Digest? {
        didSet { advertisedIsStale = true }
    }
    /// `advertisedDigest` and its hash as of the last `refreshAdvertised()`.
    var advertisedCache = AdvertisedDigest(digest: Digest(), durable: nil)
    /// Set by every change to the replica or the durable mark; the cache is brought up to date
    /// when read (`advertised`) or at the next tick, not per change: refreshing after every
    /// write compared and re-hashed the digest, and the copy the cache held made the next
    /// write's watermark raise copy the digest's storage (7% of a node's CPU under pipelined
    /// SETs), all for a value read a few times a second.
    var advertisedIsStale = false

    /// The advertised digest and its hash, current whatever changed since the cache was built.
    var advertised: AdvertisedDigest {
        guard advertisedIsStale else { return advertisedCache }
        var current = advertisedCache
        current.refresh(digest: replica.digest, durable: durableDigest)
        return current
    }

    /// Brings the cached advertised digest up to date (where the engine may mutate).
    mutating func refreshAdvertised() {
        guard advertisedIsStale else { return }
        advertisedCache.refresh(digest: replica.digest, durable: durableDigest)
        advertisedIsStale = false
    }
    /// Per peer, how many more requests we will answer now (`GossipEngine+Claims.swift`).
    var answerBudgets: [NodeID: AnswerBudget] = [:]
    /// Peers removed within the grace period, with their last known digest (empty if unknown)
    /// and when they left: they still bound garbage collection (`GossipEngine+Collection.swift`).
    var departed: [NodeID: (digest: Digest, at: UInt64)] = [:]

    public init(replica: Replica, config: GossipConfig = GossipConfig(), seed: UInt64, now: UInt64) {
        self.replica = replica
        if replica.pendingLinkCount.waiting == 0
            && config.maxPendingLinks != Replica.defaultPendingLinkCapacity
        {
            self.replica.setPendingLinkCapacity(config.maxPendingLinks)
        }
        self.config = config
        var random = SplitMix64(seed: seed)
        self.nextSyncID = random.next()
        self.random = random
        self.nextRoundAt = now + config.gossipIntervalMilliseconds
        self.nextIdleSummaryAt = now + (config.idleSummaryIntervalMilliseconds ?? 0)
        self.nextCollectionAt = config.collectionIntervalMilliseconds.map { now + $0 }
        self.lastTickAt = now
        self.startedAt = now
        self.answers = AnswerAssembly(capacity: config.maxPendingAnswers)
        self.advertisedCache = AdvertisedDigest(digest: replica.digest, durable: nil)
    }

    // MARK: Peers

    public mutating func setPeers(_ newPeers: some Sequence<NodeID>) {
        let kept = Set(newPeers).subtracting([replica.id])
        for peer in peers where !kept.contains(peer) {
            departed[peer] = (peerDigests[peer] ?? Digest(), lastTickAt)
        }
        for peer in kept { departed[peer] = nil }
        peers = kept.sorted()
        rounds.keep(only: kept)
        peerDigests = peerDigests.filter { peers.contains($0.key) }
        peerStateHashes = peerStateHashes.filter { peers.contains($0.key) }
        peerClocks = peerClocks.filter { peers.contains($0.key) }
        answerBudgets = answerBudgets.filter { peers.contains($0.key) }
    }

    /// Adds `peer`, or renews it (a membership change that keeps it active, such as a restart
    /// under a new incarnation): its last digest is forgotten either way, since a restarted peer
    /// may hold less than it did, and garbage collection waits for a fresh one.
    public mutating func addPeer(_ peer: NodeID) {
        peerDigests[peer] = nil
        departed[peer] = nil
        guard peer != replica.id, !peers.contains(peer) else { return }
        peers.append(peer)
        peers.sort()
    }

    /// Removes `peer`. Its last digest still bounds garbage collection for a grace period
    /// (`departed`), so a peer back within it cannot hold a value whose delete we collected.
    public mutating func removePeer(_ peer: NodeID) {
        if peers.contains(peer) { departed[peer] = (peerDigests[peer] ?? Digest(), lastTickAt) }
        peers.removeAll { $0 == peer }
        rounds.forget(peer)
        peerDigests[peer] = nil
        peerStateHashes[peer] = nil
        peerClocks[peer] = nil
        answerBudgets[peer] = nil
    }

    /// How far `peer` was behind this replica when it last sent its digest: the entries we hold
    /// above its watermarks (cost proportional to that count), and the largest gap in milliseconds
    /// between our watermark and its nonzero watermark for one origin. Nil before any digest.
    public func lag(of peer: NodeID) -> (entries: Int, milliseconds: UInt64)? {
        guard let theirs = peerDigests[peer] else { return nil }
        var milliseconds: UInt64 = 0
        for (origin, ours) in replica.digest.watermarks {
            let their = theirs[origin]
            if their != .zero && ours > their {
                milliseconds = max(milliseconds, ours.physical - their.physical)
            }
        }
        return (replica.map.deltaCount(for: theirs), milliseconds)
    }

    // MARK: Inputs

    /// The pair that may ride on any other message (SWIM probes and acks).
    public var summary: SyncSummary {
        SyncSummary(digestHash: advertised.hash, stateHash: replica.map.stateHash)
    }

    /// When the shell must call `tick` next (physical milliseconds).
    public var nextTickAt: UInt64 {
        var next = UInt64.max
        if let pushFlushAt = pushQueue.flushAt { next = min(next, pushFlushAt) }
        if isActive(at: nextRoundAt) { next = min(next, nextRoundAt) }
        if config.idleSummaryIntervalMilliseconds != nil { next = min(next, nextIdleSummaryAt) }
        if let nextCollectionAt { next = min(next, nextCollectionAt) }
        return next
    }

    /// Whether rounds run: while the map changed recently, and for one more window after pushes
    /// stopped if they held a bucket exchange back (the deferral and the activity end together,
    /// so without it the exchange waited for an idle summary: 12 s more at seed 24448).
    func isActive(at now: UInt64) -> Bool {
        if let lastChangeAt, now < lastChangeAt + config.recentChangeMilliseconds { return true }
        guard !rounds.bucketsDeferredSince.isEmpty, let lastPushAt = rounds.lastPushAt else { return false }
        return now
            < lastPushAt.addingSaturating(
                Self.pushQuietForBucketsMilliseconds + config.recentChangeMilliseconds)
    }

    /// A local write: applied at once, pushed to peers within the push window. Never waits for the
    /// network.
    public mutating func write(
        _ key: [UInt8], value: [UInt8]?, expiry: HLCTimestamp? = nil, now: UInt64
    ) throws(WriteError) -> Entry {
        if let fence = clockFence(now: now) { throw .clockAheadOfPeers(fence) }
        let (entry, previous) = try replica.write(key, value: value, expiry: expiry, physical: now)
        // Not in the duplicate memory: only its writer pushes a write unrelayed (hops 0), so a
        // copy of our own write that comes back is a relay, applies as unchanged and goes no
        // further. Remembering it cost a set insert and removal per write (~6% of a node's CPU
        // under pipelined SETs) and pushed remote ids out of the memory.
        lastChangeAt = now
        pushQueue.enqueueOwn(
            Push.Item(entry: entry, previousTimestamp: previous),
            windowCloses: now + config.pushWindowMilliseconds)
        return entry
    }

    /// Opens a round with `peer` now (e.g. when it joins, or after a summary mismatch). While
    /// another exchange may bring us entries, or our disk lags what we hold
    /// (`GossipEngine+Transfers.swift`), it sends our summary instead: the peer asks us if it
    /// lacks something, and we ask it later. Nothing while an exchange with `peer` is already
    /// open without a request of ours in it (one exchange per pair).
    public mutating func startRound(with peer: NodeID, now: UInt64) -> [GossipDirective] {
        if let transfer = inboundTransfer(now: now) {
            // We answered the peer's request and its answer back is on its way: it brings
            // everything above our digest, which a request of ours would draw a second time (a
            // node back with an empty disk got its whole map twice at N = 10: issue 12).
            if transfer.peer == peer && transfer.kind == .answerBack { return [] }
            if transfer.peer != peer { return [.send(.syncSummary(summary), to: peer)] }
        }
        // We are answering the peer's request (or our summary opened a round with it) and no
        // request of ours is out: that exchange already runs both ways, since the peer answers
        // back with what it holds above our digest. A request now would cross our answer, and
        // its answer back, computed against our digest from before that answer landed, would
        // send the peer everything a second time (a node back with an empty disk asked a peer
        // on rediscovery, then the peer's membership saw it return and opened this round: its
        // whole map twice at N = 10, issue 12). A request of ours still out is sent again: a
        // lost chunk of its answer is retried at once.
        if let open = rounds.open[peer], open > now, rounds.sentRequests[peer] == nil { return [] }
        // Nor while our disk lags: the answer would resend what we hold (`roundsWaitForDurability`).
        if durableLagIsFresh(now: now) { return [.send(.syncSummary(summary), to: peer)] }
        rounds.open[peer] = now + config.syncTimeoutMilliseconds
        let digest = advertisedDigest
        if digest.count > config.fullDigestMaxOrigins {
            return [.send(.syncSummary(summary), to: peer)]
        }
        return [.send(.syncRequest(makeRequest(to: peer, now: now)), to: peer)]
    }

    /// Handles a message from `sender` whose envelope carried `senderClock`; `receivedAt` is when
    /// the shell read it off the network, if it waited in a queue since (`notePeerClock`).
    public mutating func receive(
        _ message: GossipMessage, from sender: NodeID, senderClock: HLCTimestamp, now: UInt64,
        receivedAt: UInt64? = nil
    ) -> [GossipDirective] {
        notePeerClock(sender, clock: senderClock, now: now, receivedAt: receivedAt)
        do {
            try replica.observe(senderClock, physical: now)
        } catch {
            return [.rejected(.messageClockTooFarAhead, from: sender)]
        }
        if let rejection = unboundedClaim(in: message, senderClock: senderClock) {
            return [.rejected(rejection, from: sender)]
        }
        if message.asksForAnAnswer, !spendAnswerBudget(on: sender, now: now) {
            return [.rejected(.answerRateExceeded, from: sender)]
        }
        switch message {
        case let .push(push): return receivePush(push, from: sender, now: now)
        case let .syncRequest(request): return receiveRequest(request, from: sender, now: now)
        case let .syncSummary(summary): return receiveSummary(summary, from: sender, now: now)
        case let .bucketHashes(hashes): return receiveBucketHashes(hashes, from: sender)
        case let .syncAnswer(answer): return receiveAnswer(answer, from: sender, now: now)
        case let .reconcile(reconcile): return receiveReconcile(reconcile, from: sender, now: now)
        }
    }

    /// Flushes pushes, runs active and idle rounds, and forgets stale state.
    public mutating func tick(now: UInt64) -> [GossipDirective] {
        lastTickAt = max(lastTickAt, now)
        refreshAdvertised()
        var directives: [GossipDirective] = []
        if let flushAt = pushQueue.flushAt, now >= flushAt { directives += flushPushes(now: now) }
        answers.expire(now: now)
        rounds.open = rounds.open.filter { $0.value > now }
        rounds.sentRequests = rounds.sentRequests.filter { rounds.open[$0.key] != nil }
        if !isActive(at: now) { rounds.bucketsDeferredSince.removeAll() }
        _ = inboundTransfer(now: now)
        if now >= nextRoundAt {
            nextRoundAt = now + config.gossipIntervalMilliseconds
            if isActive(at: now), !roundsWaitForDurability(now: now) {
                // Not with a peer already in an exchange with us, nor one pushes flow with; one
                // request at a time, our summary to the others (`GossipEngine+Transfers.swift`).
                // A gap open for an interval is no reordering: then any peer may fill it.
                let flowing = gapIsStale(now: now) ? [] : peers.filter { pushesFlow(with: $0, now: now) }
                let busy = Set(rounds.open.keys).union(flowing)
                for peer in choosePeers(config.fanout, excluding: busy) {
                    if inboundTransfer(now: now) == nil {
                        directives += startRound(with: peer, now: now)
                    } else {
                        directives.append(.send(.syncSummary(summary), to: peer))
                    }
                }
            }
        }
        if let idleInterval = config.idleSummaryIntervalMilliseconds, now >= nextIdleSummaryAt {
            nextIdleSummaryAt = now + idleInterval
            if !isActive(at: now), let peer = choosePeers(1, excluding: []).first {
                directives.append(.send(.syncSummary(summary), to: peer))
            }
        }
        if let nextCollectionAt, now >= nextCollectionAt, let interval = config.collectionIntervalMilliseconds
        {
            self.nextCollectionAt = now + interval
            directives += collectGarbage(now: now)
        }
        return directives
    }

    // MARK: Rounds

    private mutating func receiveSummary(_ summary: SyncSummary, from sender: NodeID, now: UInt64)
        -> [GossipDirective]
    {
        // Equal digest hashes mean equal digests (SipHash-2-4 over the sorted watermarks, between
        // authenticated members): what garbage collection needs to know of an idle peer.
        refreshAdvertised()
        let advertised = advertisedDigest
        if summary.digestHash == advertised.stableHash { peerDigests[sender] = advertised }
        if peers.contains(sender) { peerStateHashes[sender] = summary.stateHash }
        if summary == self.summary {
            closeRound(with: sender)
            return []
        }
        // The reply that closes a round we opened (or a declined request), or a peer's idle pair
        // while a round is open: the open round (or the next active one) settles the difference.
        if rounds.open[sender] != nil {
            // Our request is out and the peer holds our inbound slot: its answer, or its own
            // request crossing ours, is on its way. A summary riding on a probe or an ack (a
            // node coming back from a partition sends one with its first SWIM message) must not
            // close the round: `admitRequest` would then miss the crossing and both sides would
            // answer, shipping what each lacks twice (a healed 3-vs-3 partition cost its worst
            // node 3.1x the missed bytes; `HealCostTests`).
            if rounds.sentRequests[sender] != nil, rounds.inbound?.peer == sender { return [] }
            // A summary on a probe or an ack may come while our request's answer is on its way:
            // the round closes, but the inbound slot stays until that answer or its wait ends.
            let awaitingAnswer = rounds.sentRequests[sender] != nil
            rounds.open[sender] = nil
            rounds.sentRequests[sender] = nil
            if !awaitingAnswer { releaseInbound(from: sender) }
            return []
        }
        // A mismatch starts a round, unless another exchange may bring us entries now; send the
        // full digest, since the peer could not answer a hash.
        if let transfer = inboundTransfer(now: now), transfer.peer != sender { return [] }
        if roundsWaitForDurability(now: now) { return [] }
        // Not while pushes flow through us, unless a gap has stayed open for an interval: the
        // summaries on SWIM probes and acks always differ mid-burst, and each round's answer
        // ships what the pushes are delivering.
        if pushesFlowThroughUs(now: now), !gapIsStale(now: now) { return [] }
        rounds.open[sender] = now + config.syncTimeoutMilliseconds
        return [.send(.syncRequest(makeRequest(to: sender, now: now)), to: sender)]
    }

    private mutating func closeRound(with peer: NodeID) {
        rounds.open[peer] = nil
        rounds.sentRequests[peer] = nil
        releaseInbound(from: peer)
    }

    private mutating func receiveRequest(_ request: SyncRequest, from sender: NodeID, now: UInt64)
        -> [GossipDirective]
    {
        peerDigests[sender] = request.digest
        if peers.contains(sender) { peerStateHashes[sender] = request.stateHash }
        if let instead = admitRequest(request, from: sender, now: now) { return instead }
        let digest = advertisedDigest
        let entries = request.digest == digest ? [] : replica.map.delta(for: request.digest)
        // Nothing above the asker's watermarks, the asker claims nothing beyond ours, yet the
        // maps differ: entries sit below the watermarks unevenly, which only the buckets can
        // find (an answer and an answer back, each above the other's watermarks, would move
        // nothing). Equal digests are the common case; the other arises when a watermark ran
        // ahead of what its holder has (adopted from a peer that claimed more than it held),
        // and a liar that keeps inflating digests would otherwise keep two honest nodes from
        // ever holding equal ones.
        // (Our own origin aside: we hold every write we made, and never adopt a peer's claim
        // about them, so a peer that took an inflated claim about us stays "ahead" there.)
        let origin = replica.origin
        let askerClaimsNoMore = request.digest.watermarks.allSatisfy {
            $0.key == origin || $0.value <= digest[$0.key]
        }
        if entries.isEmpty && askerClaimsNoMore
            && (request.digest == digest || request.stateHash != replica.map.stateHash)
        {
            if request.stateHash == replica.map.stateHash {
                return [.send(.syncSummary(summary), to: sender)]
            }
            // While pushes flow between us a declining answer ends the round: it carries no
            // digest, since the asker may adopt the digest of an answer, and here ours may have
            // run ahead of what we hold (the case above); only the buckets may settle that.
            guard mayExchangeBuckets(with: sender, now: now) else {
                return [.send(.syncAnswer(Self.declining(request)), to: sender)]
            }
            let hashes = replica.map.bucketHashes.map { UInt32(truncatingIfNeeded: $0) }
            rememberBucketExchange(AnswerKey(peer: sender, syncID: request.syncID, phase: .buckets))
            return [.send(.bucketHashes(BucketHashes(syncID: request.syncID, hashes: hashes)), to: sender)]
        }
        rememberSentDigest(digest, AnswerKey(peer: sender, syncID: request.syncID, phase: .answerBack))
        // One exchange per pair: no round of ours with the asker while it answers back.
        rounds.open[sender] = max(
            rounds.open[sender] ?? 0, now.addingSaturating(config.gossipIntervalMilliseconds))
        return chunks(entries, syncID: request.syncID, phase: .answer, digest: digest, requestedBuckets: nil)
            .map { .send(.syncAnswer($0), to: sender) }
    }

    private mutating func receiveBucketHashes(_ message: BucketHashes, from sender: NodeID)
        -> [GossipDirective]
    {
        closeRound(with: sender)
        var differing = BucketSet()
        for (bucket, hash) in replica.map.bucketHashes.enumerated()
        where bucket < message.hashes.count && UInt32(truncatingIfNeeded: hash) != message.hashes[bucket] {
            differing.insert(UInt8(bucket))
        }
        guard !differing.isEmpty else { return [] }
        if sentDigests[AnswerKey(peer: sender, syncID: message.syncID, phase: .answer)] != nil {
            rememberBucketExchange(AnswerKey(peer: sender, syncID: message.syncID, phase: .buckets))
        }
        let entries = replica.map.entries(inBuckets: differing)
        return chunks(
            entries, syncID: message.syncID, phase: .buckets, digest: nil, requestedBuckets: differing
        )
        .map { .send(.syncAnswer($0), to: sender) }
    }

    private mutating func receiveAnswer(_ chunk: SyncAnswer, from sender: NodeID, now: UInt64)
        -> [GossipDirective]
    {
        let key = AnswerKey(peer: sender, syncID: chunk.syncID, phase: chunk.phase)
        if answers.isFinished(key) { return [] }
        var pending = answers.progress(
            of: key, count: chunk.count, deadline: now + config.syncTimeoutMilliseconds)
        guard pending.count == chunk.count, chunk.index < chunk.count else {
            return [.rejected(.inconsistentChunk, from: sender)]
        }
        guard pending.received.insert(chunk.index).inserted else { return [] }
        var directives: [GossipDirective] = []
        if chunk.index == 0 {
            // Answer back from the state before this answer is merged: the peer has none of it
            // to learn, and our digest then still describes exactly what we send.
            // Only to an answer we asked for (a round we opened, a bucket exchange we began):
            // an unsolicited answer would otherwise draw our entries out to anyone who sends one.
            if chunk.phase == .answer, let peerDigest = chunk.digest, sentDigests[key] != nil {
                directives += answerBack(to: sender, syncID: chunk.syncID, peerDigest: peerDigest)
            }
            if chunk.phase == .buckets, let requested = chunk.requestedBuckets, !requested.isEmpty,
                bucketExchanges.contains(key)
            {
                let entries = replica.map.entries(inBuckets: requested)
                directives += chunks(
                    entries, syncID: chunk.syncID, phase: .buckets, digest: nil, requestedBuckets: nil
                )
                .map { .send(.syncAnswer($0), to: sender) }
            }
            pending.digest = chunk.digest
            if let digest = chunk.digest { peerDigests[sender] = digest }
        }
        for entry in chunk.entries {
            switch replica.applyRemote(
                entry, physical: now, collectedAfterMilliseconds: config.tombstoneGracePeriodMilliseconds)
            {
            case let .failure(reason):
                // A revoked node's entry is not wanted at any watermark: refusing it must not
                // keep the answerer's watermarks from being adopted (the answerer drops it too
                // once the revocation reaches it).
                if reason != .revokedOrigin { pending.refusedAnEntry = true }
                directives.append(.rejected(.entry(reason), from: sender))
            case let .success(outcome):
                if outcome != .unchanged {
                    pending.changedTheMap = true
                    lastChangeAt = now
                    directives.append(.applied(entry))
                }
            }
        }
        let complete = pending.received.count == Int(pending.count)
        noteInboundProgress(from: sender, complete: complete, now: now)
        if complete {
            if chunk.phase != .buckets { rounds.sentRequests[sender] = nil }
            answers.finish(key)
            rounds.open[sender] = nil
            var adopt = false
            if chunk.phase == .buckets {
                finishBucketExchange(key)
            } else if !pending.refusedAnEntry, let digest = pending.digest,
                sentDigests.removeValue(forKey: key) != nil
            {
                // The answer held every entry above the digest we sent: we now hold what the
                // answerer held up to its watermarks (bounded by its clock on receipt). Nothing
                // is dropped for what it did not send: no claim removes a live value.
                replica.adopt(digest)
                noteGap(now: now)
                adopt = true
            }
            // A declined request's answer has no digest: the peer is busy, not different.
            if chunk.phase == .answer, pending.digest != nil, !pending.changedTheMap, !pending.refusedAnEntry
            {
                let answerWasEmpty = pending.count == 1 && chunk.entries.isEmpty
                directives += bucketsAfterFruitlessAnswer(
                    from: sender, syncID: chunk.syncID, answerWasEmpty: answerWasEmpty,
                    peerDigest: pending.digest ?? Digest(), now: now)
            }
            directives.append(.answerCompleted(from: sender, adopted: adopt))
        } else {
            answers.store(pending, for: key)
        }
        return directives
    }

    private mutating func answerBack(to peer: NodeID, syncID: UInt64, peerDigest: Digest) -> [GossipDirective]
    {
        let digest = advertisedDigest
        let entries = replica.map.delta(for: peerDigest)
        let peerKnowsAll = digest.watermarks.allSatisfy { peerDigest[$0.key] >= $0.value }
        if entries.isEmpty && peerKnowsAll { return [] }
        return chunks(entries, syncID: syncID, phase: .answerBack, digest: digest, requestedBuckets: nil)
            .map { .send(.syncAnswer($0), to: peer) }
    }

    // MARK: Helpers

    private mutating func makeSyncID() -> UInt64 {
        nextSyncID &+= 1
        return nextSyncID
    }

    /// A request with our digest, remembered by sync id: the answer (or bucket exchange) it
    /// leads to was computed against it.
    private mutating func makeRequest(to peer: NodeID, now: UInt64) -> SyncRequest {
        let request = SyncRequest(
            syncID: makeSyncID(), digest: advertisedDigest, stateHash: replica.map.stateHash)
        rememberSentDigest(request.digest, AnswerKey(peer: peer, syncID: request.syncID, phase: .answer))
        rounds.sentRequests[peer] = request.syncID
        holdInbound(for: peer, kind: .answer, now: now)
        return request
    }

    mutating func makeSyncIDForReconcile() -> UInt64 { makeSyncID() }

    mutating func rememberSentDigest(_ digest: Digest, _ key: AnswerKey) {
        if sentDigests.updateValue(digest, forKey: key) == nil { sentDigestOrder.append(key) }
        while sentDigestOrder.count > config.maxPendingAnswers * 4, let oldest = sentDigestOrder.popFirst() {
            sentDigests[oldest] = nil
        }
    }

    /// Up to `count` distinct random peers, chosen with the engine's own generator.
    mutating func choosePeers(_ count: Int, excluding excluded: Set<NodeID>) -> [NodeID] {
        var candidates = peers.filter { !excluded.contains($0) }
        guard candidates.count > count else { return candidates }
        for index in 0..<count {
            let pick = index + Int(random.next() % UInt64(candidates.count - index))
            candidates.swapAt(index, pick)
        }
        return Array(candidates.prefix(count))
    }

    /// Cuts an answer into chunks of at most `maxChunkBytes` (or one entry alone), at most
    /// `maxEntriesPerMessage` entries each. An empty answer is one empty chunk: it still carries
    /// the digest.
    func chunks(
        _ entries: [Entry], syncID: UInt64, phase: SyncAnswer.Phase, digest: Digest?,
        requestedBuckets: BucketSet?
    ) -> [SyncAnswer] {
        let limits = config.limits
        let overhead = WireSize.syncAnswerOverhead(digest: digest, requestedBuckets: requestedBuckets)
        var groups = Self.batches(
            of: entries, budget: limits.maxChunkBytes - overhead, maxCount: limits.maxEntriesPerMessage,
            size: WireSize.encodedSize(of:))
        if groups.isEmpty { groups = [[]] }
        let count = UInt32(groups.count)
        return groups.enumerated().map { index, group in
            SyncAnswer(
                syncID: syncID, index: UInt32(index), count: count, phase: phase,
                digest: index == 0 ? digest : nil, requestedBuckets: index == 0 ? requestedBuckets : nil,
                entries: group)
        }
    }

    static func batches<Item>(
        of items: [Item], budget: Int, maxCount: Int = .max, size: (Item) -> Int
    ) -> [[Item]] {
        var result: [[Item]] = []
        var current: [Item] = []
        var used = 0
        for item in items {
            let itemSize = size(item)
            if !current.isEmpty && (used + itemSize > budget || current.count >= maxCount) {
                result.append(current)
                current = []
                used = 0
            }
            current.append(item)
            used += itemSize
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
