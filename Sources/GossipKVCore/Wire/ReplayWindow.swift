/// Why the replay guard refused a sequence number.
public enum ReplayRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// This exact (sender, boot epoch, channel, sequence) was already accepted.
    case duplicate
    /// The sequence is more than a window behind the newest one accepted: it cannot be told
    /// apart from a replay any more, so it is dropped (the protocol tolerates loss).
    case tooOld
    /// The sender has since restarted: messages of its earlier boot epoch are replays.
    case staleBootEpoch
    /// The guard tracks as many senders as it may and this one is new (see `ReplayGuard`).
    case tooManySenders

    public var description: String {
        switch self {
        case .duplicate: return "sequence number already seen"
        case .tooOld: return "sequence number older than the replay window"
        case .staleBootEpoch: return "boot epoch older than the sender's current one"
        case .tooManySenders: return "replay guard is full; sender not tracked"
        }
    }
}

/// The sequence numbers seen on one (sender, boot epoch, channel): the newest one and a
/// 1,024-bit map of those just below it (DESIGN, "replay window"; the sliding bitmap of IPsec's
/// anti-replay window, RFC 4303 section 3.4.3).
///
/// A sequence number is fresh when it is above the newest, or within the window and not yet
/// seen. Anything older than the window is refused even if never seen: a datagram delayed past
/// 1,024 later ones is treated as lost. Checking and recording are separate steps so that the
/// caller records only after the authenticator verified: a forged packet must not move the
/// window.
public struct ReplayWindow: Hashable, Sendable {
    /// Sequence numbers tracked below the newest (DESIGN's constant).
    public static let size = 1024
    private static let wordCount = size / 64

    /// The newest sequence number recorded, or nil before the first.
    public private(set) var newest: UInt64?
    /// Bit `i` (word `i / 64`, bit `i % 64`) is set when `newest - i` was recorded.
    private var seen: [UInt64]

    public init() {
        newest = nil
        seen = Array(repeating: 0, count: Self.wordCount)
    }

    /// Whether `sequence` would be accepted now. Does not record it.
    public func check(_ sequence: UInt64) -> Result<Void, ReplayRejection> {
        guard let newest, sequence <= newest else { return .success(()) }
        let age = newest - sequence
        guard age < UInt64(Self.size) else { return .failure(.tooOld) }
        return isSeen(age: Int(age)) ? .failure(.duplicate) : .success(())
    }

    /// Records `sequence` if it is fresh, sliding the window forward when it is the newest.
    /// Returns the same verdict as `check`.
    @discardableResult
    public mutating func record(_ sequence: UInt64) -> Result<Void, ReplayRejection> {
        let verdict = check(sequence)
        guard case .success = verdict else { return verdict }
        guard let newest, sequence <= newest else {
            slide(by: newest.map { sequence - $0 } ?? UInt64(Self.size))
            self.newest = sequence
            markSeen(age: 0)
            return verdict
        }
        markSeen(age: Int(newest - sequence))
        return verdict
    }

    private func isSeen(age: Int) -> Bool {
        seen[age / 64] & (1 << UInt64(age % 64)) != 0
    }

    private mutating func markSeen(age: Int) {
        seen[age / 64] |= 1 << UInt64(age % 64)
    }

    /// Moves every bit `distance` places up (older); bits pushed past the window fall off.
    private mutating func slide(by distance: UInt64) {
        guard distance < UInt64(Self.size) else {
            for word in seen.indices { seen[word] = 0 }
            return
        }
        let wordShift = Int(distance / 64)
        let bitShift = UInt64(distance % 64)
        for word in stride(from: Self.wordCount - 1, through: 0, by: -1) {
            let source = word - wordShift
            var value: UInt64 = 0
            if source >= 0 {
                value = seen[source] << bitShift
                if bitShift > 0, source >= 1 { value |= seen[source - 1] >> (64 - bitShift) }
            }
            seen[word] = value
        }
    }
}
