/// What the anti-entropy state machine asks its shell to do or to count. The shell (the NIO
/// node, or the simulator) carries these out; the core does no I/O.
public enum GossipDirective: Equatable, Sendable {
    /// Send `message` to `peer`. The shell picks the transport: a datagram when the sealed
    /// envelope fits `Limits.maxDatagramBytes`, the stream otherwise.
    case send(GossipMessage, to: NodeID)
    /// A remote entry changed the map (for change feeds; local writes are known to the caller).
    case applied(Entry)
    /// Something from `peer` was refused; the shell counts it by reason.
    case rejected(GossipRejection, from: NodeID)
    /// An answer from `peer` arrived whole; `adopted` tells whether its watermarks were adopted.
    case answerCompleted(from: NodeID, adopted: Bool)
    /// Garbage collection dropped `entry`, a dead entry, from the map (for metrics and the log;
    /// reads see no difference).
    case collected(Entry)
}

/// Why the state machine refused part of a message.
public enum GossipRejection: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The message's HLC was beyond the max clock offset: the whole message was dropped.
    case messageClockTooFarAhead
    /// One entry was refused (the rest of the message was applied).
    case entry(EntryRejection)
    /// A chunk disagreed with earlier chunks of the same answer about their count.
    case inconsistentChunk
    /// A digest claimed a watermark beyond its sender's clock plus the max offset: the whole
    /// message was dropped (`GossipEngine+Claims.swift`).
    case watermarkBeyondClock
    /// A peer asked for more answers than `GossipConfig.answersPerPeerPerSecond` allows: the
    /// request was dropped (an honest peer's next round asks again).
    case answerRateExceeded

    /// A short, stable name for metrics labels.
    public var label: String {
        switch self {
        case .messageClockTooFarAhead: return "clock_poisoning"
        case .entry(.clockTooFarAhead): return "entry_clock_poisoning"
        case .entry(.keyTooLarge): return "key_too_large"
        case .entry(.valueTooLarge): return "value_too_large"
        case .entry(.revokedOrigin): return "revoked_origin"
        case .inconsistentChunk: return "inconsistent_chunk"
        case .watermarkBeyondClock: return "watermark_beyond_clock"
        case .answerRateExceeded: return "answer_rate"
        }
    }

    public var description: String {
        switch self {
        case .messageClockTooFarAhead: return "message clock beyond the max clock offset"
        case let .entry(reason): return "entry refused: \(reason)"
        case .inconsistentChunk: return "chunk count differs from earlier chunks of the same answer"
        case .watermarkBeyondClock: return "a watermark beyond the sender's clock plus the max clock offset"
        case .answerRateExceeded: return "more requests than the per-peer answer rate allows"
        }
    }
}
