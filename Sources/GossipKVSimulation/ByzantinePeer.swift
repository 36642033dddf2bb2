import GossipKVCore

/// A Byzantine member: a node holding valid credentials (the simulated authenticator accepts it)
/// that runs the real engine and membership, so it answers probes and stays a plausible member,
/// but tampers with every message it sends (`SimulationOptions.byzantineNodes`). The form of
/// each lie is drawn from the seed, per message:
///
/// - **inflated digests**: every watermark it sends at a raw value near `UInt64.max`, at its own
///   HLC plus ten minutes, or at the recipient's last digest plus one;
/// - **forged bucket answers**: a `reconcile` or `bucketHashes` echoing the recipient's own
///   bucket hashes (so nothing differs and only the digest counts), or random hashes;
/// - **empty sync answers** carrying an inflated digest, under the sync id of a request the
///   recipient sent it (so the recipient takes it for the answer it awaits);
/// - **SWIM lies**: updates declaring honest members `dead` or `suspect` at incarnation
///   `UInt64.max`, or `alive` there at a new address, and floods of invented members;
/// - **replays**: bodies it received or sent earlier, re-sealed later to another peer or the
///   same one, and its own old envelopes delivered again byte for byte (the replay windows
///   must refuse them, unless the recipient restarted since).
///
/// Every lie is a valid encoding (the real codecs: `GossipMessage`, `SWIMMessage`,
/// `Envelope.seal`). What a liar does NOT do: forge entries of honest origins. Entries are not
/// signed by their writer (DESIGN: signatures are hop by hop; they keep out strangers,
/// tampering and replay on the wire, not a certified node that lies), so a liar *could* invent
/// an honest node's writes, and no check of a receiver can tell; per-writer signatures are a
/// later step. Until then that attack is out of scope here, and the invariant the simulator
/// checks is the one a receiver can defend: no claim of a peer (a watermark, a hash, an
/// incarnation, a member list) makes an honest node lose an honest write or stop serving.
struct ByzantinePeer: Sendable {
    /// What the liar overheard, for its lies and replays.
    struct Overheard: Sendable {
        var kind: MessageKind
        var body: [UInt8]
    }

    struct SentEnvelope: Sendable {
        var to: Int
        var channel: WireChannel
        var envelope: [UInt8]
    }

    var random: SplitMix64
    /// The last digest and bucket hashes each peer sent us, and the sync id of the last request
    /// (or reconcile) it opened with us.
    var lastDigest: [NodeID: Digest] = [:]
    var lastHashes: [NodeID: [UInt32]] = [:]
    var lastRequest: [NodeID: UInt64] = [:]
    var lastReconcile: [NodeID: UInt64] = [:]
    /// Recent bodies heard or sent (bounded), and recent envelopes sent.
    var bodies: [Overheard] = []
    var envelopes: [SentEnvelope] = []
    /// How many lies of each form were told.
    var lies: [String: Int] = [:]

    static let memory = 48

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    mutating func remember(_ body: Overheard) {
        bodies.append(body)
        if bodies.count > Self.memory { bodies.removeFirst(bodies.count - Self.memory) }
    }

    mutating func remember(_ envelope: SentEnvelope) {
        envelopes.append(envelope)
        if envelopes.count > Self.memory { envelopes.removeFirst(envelopes.count - Self.memory) }
    }

    /// Notes what an honest peer's message reveals: its digest, its bucket hashes, the sync ids
    /// it awaits answers under.
    mutating func overhear(_ message: GossipMessage, from peer: NodeID) {
        switch message {
        case let .syncRequest(request):
            lastDigest[peer] = request.digest
            lastRequest[peer] = request.syncID
        case let .syncAnswer(answer):
            if let digest = answer.digest { lastDigest[peer] = digest }
        case let .bucketHashes(hashes):
            lastHashes[peer] = hashes.hashes
        case let .reconcile(reconcile):
            lastDigest[peer] = reconcile.digest
            lastHashes[peer] = reconcile.hashes
            lastReconcile[peer] = reconcile.syncID
        case .push, .syncSummary:
            break
        }
    }

    // MARK: Lies

    /// A digest claiming more than anyone holds, over `origins`: near `UInt64.max`, at
    /// `clock` plus ten minutes, or at `recipient`'s last digest plus one.
    mutating func inflatedDigest(origins: [NodeID], clock: HLCTimestamp, recipient: NodeID) -> Digest {
        var watermarks: [NodeID: HLCTimestamp] = [:]
        switch random.next() % 3 {
        case 0:
            lies["digest_max", default: 0] += 1
            for origin in origins {
                watermarks[origin] = HLCTimestamp(rawValue: .max - random.next() % 1_000)
            }
        case 1:
            lies["digest_ahead", default: 0] += 1
            let ahead = HLCTimestamp(physical: clock.physical + 600_000)
            for origin in origins { watermarks[origin] = ahead }
        default:
            lies["digest_plus_one", default: 0] += 1
            let base = lastDigest[recipient] ?? Digest()
            for origin in origins { watermarks[origin] = HLCTimestamp(rawValue: base[origin].rawValue &+ 1) }
            for (origin, watermark) in base.watermarks {
                watermarks[origin] = HLCTimestamp(
                    rawValue: watermark.rawValue == .max ? .max : watermark.rawValue + 1)
            }
        }
        return Digest(watermarks)
    }

    mutating func randomHashes() -> [UInt32] {
        (0..<BucketSet.bucketCount).map { _ in UInt32(truncatingIfNeeded: random.next()) }
    }

    /// The recipient's own bucket hashes when we heard them (nothing differs then), else random.
    mutating func forgedHashes(for recipient: NodeID) -> [UInt32] {
        if let echoed = lastHashes[recipient], chance(70) {
            lies["hashes_echoed", default: 0] += 1
            return echoed
        }
        lies["hashes_random", default: 0] += 1
        return randomHashes()
    }

    /// Tampers with an anti-entropy message the liar's engine wants to send to `recipient`.
    mutating func tamper(
        _ message: GossipMessage, to recipient: NodeID, origins: [NodeID], clock: HLCTimestamp
    ) -> [GossipMessage] {
        switch random.next() % 4 {
        case 0:
            // The same message with every digest in it inflated; one with none becomes a
            // request carrying an inflated digest.
            let digest = inflatedDigest(origins: origins, clock: clock, recipient: recipient)
            switch message {
            case var .syncRequest(request):
                request.digest = digest
                return [.syncRequest(request)]
            case var .syncAnswer(answer) where answer.digest != nil:
                answer.digest = digest
                return [.syncAnswer(answer)]
            case var .reconcile(reconcile):
                reconcile.digest = digest
                return [.reconcile(reconcile)]
            default:
                lies["request_inflated", default: 0] += 1
                return [
                    .syncRequest(SyncRequest(syncID: random.next(), digest: digest, stateHash: random.next()))
                ]
            }
        case 1:
            // A forged bucket answer: a reconcile with an inflated digest and echoed or random
            // hashes, or bucket hashes under the sync id of the recipient's last request.
            let hashes = forgedHashes(for: recipient)
            if let syncID = lastRequest[recipient], chance(40) {
                lies["bucket_hashes_forged", default: 0] += 1
                return [.bucketHashes(BucketHashes(syncID: syncID, hashes: hashes))]
            }
            lies["reconcile_forged", default: 0] += 1
            let digest = inflatedDigest(origins: origins, clock: clock, recipient: recipient)
            return [.reconcile(Reconcile(syncID: random.next(), digest: digest, hashes: hashes))]
        case 2:
            // An empty answer carrying an inflated digest: the answer the recipient awaits
            // (its last request's or reconcile's sync id), or the tampered answer itself.
            let digest = inflatedDigest(origins: origins, clock: clock, recipient: recipient)
            let (syncID, phase): (UInt64, SyncAnswer.Phase)
            if case let .syncAnswer(answer) = message {
                (syncID, phase) = (answer.syncID, answer.phase)
            } else if let request = lastRequest[recipient], chance(60) {
                (syncID, phase) = (request, .answer)
            } else if let reconcile = lastReconcile[recipient] {
                (syncID, phase) = (reconcile, .buckets)
            } else {
                (syncID, phase) = (random.next(), .answerBack)
            }
            lies["empty_answer", default: 0] += 1
            var everyBucket = BucketSet()
            for bucket in 0..<BucketSet.bucketCount { everyBucket.insert(UInt8(bucket)) }
            return [
                .syncAnswer(
                    SyncAnswer(
                        syncID: syncID, index: 0, count: 1, phase: phase, digest: digest,
                        requestedBuckets: phase == .buckets && chance(50) ? everyBucket : nil, entries: []))
            ]
        default:
            // Entries withheld: the message stripped of what it carries (a push of nothing, an
            // answer with its digest but none of its entries), or a summary of random hashes.
            lies["withheld", default: 0] += 1
            switch message {
            case var .push(push):
                push.items = []
                return [.push(push)]
            case var .syncAnswer(answer):
                answer.entries = []
                return [.syncAnswer(answer)]
            default:
                return [.syncSummary(SyncSummary(digestHash: random.next(), stateHash: random.next()))]
            }
        }
    }

    /// Membership updates that lie: honest members dead, suspect or alive at `UInt64.max`
    /// incarnation (alive at a new address), or a flood of invented members.
    mutating func forgedUpdates(about members: [Member], capacity: Int) -> [MemberUpdate] {
        var updates: [MemberUpdate] = []
        let flood = chance(30)
        if flood {
            lies["invented_members", default: 0] += 1
            for _ in 0..<capacity {
                let id = NodeID(high: random.next(), low: random.next())
                let address = MemberAddress(
                    host: .ipv4(UInt32(truncatingIfNeeded: random.next())), gossipPort: 7377, clientPort: 7379
                )
                updates.append(
                    MemberUpdate(
                        id: id, address: address, incarnation: random.next() % 1_000_000, state: .alive))
            }
            return updates
        }
        for member in members where chance(60) {
            let incarnation = UInt64.max - random.next() % 3
            switch random.next() % 3 {
            case 0:
                lies["member_dead", default: 0] += 1
                updates.append(
                    MemberUpdate(
                        id: member.id, address: member.address, incarnation: incarnation, state: .dead))
            case 1:
                lies["member_suspect", default: 0] += 1
                updates.append(
                    MemberUpdate(
                        id: member.id, address: member.address, incarnation: incarnation, state: .suspect))
            default:
                lies["member_moved", default: 0] += 1
                let address = MemberAddress(
                    host: .ipv4(0x0A63_0000 | UInt32(truncatingIfNeeded: random.next() % 0xFFFF)),
                    gossipPort: 7377,
                    clientPort: 7379)
                updates.append(
                    MemberUpdate(id: member.id, address: address, incarnation: incarnation, state: .alive))
            }
            if updates.count == capacity { break }
        }
        return updates
    }

    /// Tampers with a SWIM message: the same kind and sequence number (so its probes and acks
    /// still work and it stays a member), lying updates and, on probes and acks, a random
    /// summary half the time (which makes the recipient open a round with us).
    mutating func tamper(_ message: SWIMMessage, members: [Member]) -> [SWIMMessage] {
        let updates = forgedUpdates(about: members, capacity: MemberUpdate.maxPerMessage)
        let lieAboutSummary = chance(50)
        func summary(_ honest: SyncSummary?) -> SyncSummary? {
            lieAboutSummary ? SyncSummary(digestHash: random.next(), stateHash: random.next()) : honest
        }
        switch message {
        case let .ping(sequence, _, honest):
            return [.ping(sequence: sequence, updates: updates, summary: summary(honest))]
        case let .ack(sequence, _, honest):
            return [.ack(sequence: sequence, updates: updates, summary: summary(honest))]
        case let .pingRequest(sequence, target, _):
            return [.pingRequest(sequence: sequence, target: target, updates: updates)]
        case .nack:
            // Nothing to lie about in a nack; add a flood of lies as a ping of its own.
            return [message, .ping(sequence: random.next(), updates: updates, summary: summary(nil))]
        }
    }
}
