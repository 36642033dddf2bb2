/// What a peer may claim. Signatures are hop by hop: they keep strangers out, not a certified
/// node that lies (DESIGN, "The envelope and authentication"). So every claim a message makes is
/// checked against what its sender could know before anything is built on it.
///
/// A watermark says "I hold the effect of every write of this origin up to here". An honest
/// sender merges every timestamp it holds into its clock, so none of its watermarks exceeds the
/// HLC its envelope carries; we allow the max clock offset on top (the sender's HLC is read when
/// it seals, and clocks may differ by that much). A digest beyond that bound is refused whole and
/// counted: adopting it would make us claim writes we never saw, and pass the claim on.
extension GossipEngine {
    /// The rejection for a message whose digest claims more than its sender's clock allows, or nil.
    func unboundedClaim(in message: GossipMessage, senderClock: HLCTimestamp) -> GossipRejection? {
        let digest: Digest?
        switch message {
        case let .syncRequest(request): digest = request.digest
        case let .syncAnswer(answer): digest = answer.digest
        case let .reconcile(reconcile): digest = reconcile.digest
        case .push, .syncSummary, .bucketHashes: digest = nil
        }
        guard let digest else { return nil }
        let bound = Self.claimBound(
            senderClock: senderClock, maxOffsetMilliseconds: replica.clock.maxOffsetMilliseconds)
        guard digest.watermarks.values.contains(where: { $0 > bound }) else { return nil }
        return .watermarkBeyondClock
    }

    /// The highest watermark a sender whose envelope carried `senderClock` may claim.
    public static func claimBound(senderClock: HLCTimestamp, maxOffsetMilliseconds: UInt64) -> HLCTimestamp {
        let (physical, overflow) = senderClock.physical.addingReportingOverflow(maxOffsetMilliseconds)
        return HLCTimestamp(physical: overflow ? HLCTimestamp.maxPhysical : physical, logical: .max)
    }
}

/// Only what survives a crash is claimed (DESIGN: "only the fsynced digest counts for GC").
/// Peers collect a tombstone once every member's digest covers it; a digest that covered
/// entries still in the page cache would let them collect while a power cut is about to take
/// the covering entry from us, and we would come back holding the value it superseded. So the
/// digest we send in requests, answers and summaries is, per origin, the lower of what we hold
/// and what the shell last reported durable. The cost: while the disk lags, a peer resends the
/// entries of the last fsync interval (100 ms under `--fsync batch`).
extension GossipEngine {
    /// The digest this node sends: `replica.digest`, capped by `durableDigest` when there is one.
    public var advertisedDigest: Digest { advertised.digest }

    /// The shell reports that the log holds `digest` durably (after an fsync covering the
    /// watermark record; at once when writes are durable on `write(2)`).
    public mutating func markDurable(_ digest: Digest) {
        durableDigest = digest
    }
}

/// A token bucket per peer for the requests that make us answer: one request can draw the
/// whole map out of us, so a peer gets `answersPerPeerPerSecond`, bursts of twice that.
struct AnswerBudget: Sendable {
    var tokens: UInt64
    var refilledAt: UInt64
}

extension GossipMessage {
    /// Whether handling this message makes us send an answer of entries.
    var asksForAnAnswer: Bool {
        switch self {
        case .syncRequest, .bucketHashes, .reconcile: return true
        case .push, .syncSummary, .syncAnswer: return false
        }
    }
}

extension GossipEngine {
    /// Takes one token from `peer`'s answer budget; false when there is none.
    mutating func spendAnswerBudget(on peer: NodeID, now: UInt64) -> Bool {
        let rate = config.answersPerPeerPerSecond
        let burst = rate.multipliedReportingOverflow(by: 2).partialValue
        var budget = answerBudgets[peer] ?? AnswerBudget(tokens: burst, refilledAt: now)
        if now > budget.refilledAt, rate > 0 {
            let earned = (now - budget.refilledAt).multipliedReportingOverflow(by: rate).partialValue / 1_000
            if earned > 0 {
                budget.tokens = Swift.min(burst, budget.tokens.addingReportingOverflow(earned).partialValue)
                budget.refilledAt = now
            }
        } else if now < budget.refilledAt {
            budget.refilledAt = now
        }
        guard budget.tokens > 0 else {
            answerBudgets[peer] = budget
            return false
        }
        budget.tokens -= 1
        answerBudgets[peer] = budget
        return true
    }
}
