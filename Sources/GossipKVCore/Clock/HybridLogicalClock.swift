/// Why a remote timestamp was not merged into the local clock.
public enum HLCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The remote clock is further ahead of our physical time than the cluster tolerates; merging
    /// it would drag every later local timestamp into the future ("clock poisoning").
    case remoteTooFarAhead(remote: HLCTimestamp, localPhysical: UInt64, maxOffsetMilliseconds: UInt64)

    public var description: String {
        switch self {
        case let .remoteTooFarAhead(remote, localPhysical, maxOffset):
            return "remote timestamp \(remote) is \(remote.physical &- localPhysical) ms ahead of local time "
                + "\(localPhysical) (max clock offset \(maxOffset) ms); check the sender's clock (NTP)"
        }
    }
}

/// A hybrid logical clock (Kulkarni et al. 2014, algorithm 2). It never reads a clock itself:
/// the caller passes the current physical time in milliseconds, so the simulator can drive it.
///
/// Logical overflow: when more than 65,535 events share one physical millisecond, the clock
/// *borrows from physical time*: it moves its physical part one millisecond ahead and resets the
/// counter. The clock then runs ahead of wall time by at most one millisecond per 65,536 events
/// beyond the first in a millisecond, which only a sustained rate above 65 million events per
/// second could push past the max clock offset; it never waits and never repeats a timestamp.
public struct HybridLogicalClock: Sendable {
    /// The last timestamp this clock issued or merged.
    public private(set) var last: HLCTimestamp
    /// How far ahead of local physical time a remote timestamp may be before it is rejected.
    public let maxOffsetMilliseconds: UInt64

    /// - Parameter startingAfter: every timestamp this clock issues is greater than this one (a
    ///   persisted HLC ceiling, or the previous run's last timestamp).
    public init(maxOffsetMilliseconds: UInt64 = 500, startingAfter: HLCTimestamp = .zero) {
        self.maxOffsetMilliseconds = maxOffsetMilliseconds
        self.last = startingAfter
    }

    /// A timestamp for a local event (a write or a send): greater than every timestamp seen so far.
    public mutating func now(physical: UInt64) -> HLCTimestamp {
        let wall = Swift.min(physical, HLCTimestamp.maxPhysical)
        if wall > last.physical {
            last = HLCTimestamp(physical: wall, logical: 0)
        } else {
            last = Self.successor(of: last)
        }
        return last
    }

    /// Merges a remote timestamp (a receive event) and returns the new local timestamp, which is
    /// greater than both `remote` and every earlier local timestamp. A remote timestamp more than
    /// `maxOffsetMilliseconds` ahead of `physical` is rejected and leaves the clock unchanged.
    @discardableResult
    public mutating func receive(_ remote: HLCTimestamp, physical: UInt64) throws(HLCError) -> HLCTimestamp {
        try check(remote, physical: physical)
        let wall = Swift.min(physical, HLCTimestamp.maxPhysical)
        let newPhysical = Swift.max(wall, last.physical, remote.physical)
        if newPhysical == last.physical && newPhysical == remote.physical {
            last = Self.successor(of: Swift.max(last, remote))
        } else if newPhysical == last.physical {
            last = Self.successor(of: last)
        } else if newPhysical == remote.physical {
            last = Self.successor(of: remote)
        } else {
            last = HLCTimestamp(physical: newPhysical, logical: 0)
        }
        return last
    }

    /// Throws when `remote` is too far ahead of `physical`; changes nothing either way.
    public func check(_ remote: HLCTimestamp, physical: UInt64) throws(HLCError) {
        if remote.physical > physical &+ maxOffsetMilliseconds {
            throw .remoteTooFarAhead(
                remote: remote, localPhysical: physical, maxOffsetMilliseconds: maxOffsetMilliseconds)
        }
    }

    /// The next timestamp after `timestamp`: logical + 1, or, on overflow, the next millisecond.
    @inlinable static func successor(of timestamp: HLCTimestamp) -> HLCTimestamp {
        if timestamp.logical == .max {
            return HLCTimestamp(physical: timestamp.physical + 1, logical: 0)
        }
        return HLCTimestamp(rawValue: timestamp.rawValue + 1)
    }
}
