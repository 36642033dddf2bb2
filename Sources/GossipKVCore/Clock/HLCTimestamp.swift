/// A hybrid logical clock timestamp: 48 bits of physical milliseconds since the Unix epoch and a
/// 16-bit logical counter, packed into one `UInt64` so that integer order is timestamp order
/// (Kulkarni et al. 2014, "Logical Physical Clocks", section 3).
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bits of the logical counter in the packed value.
    public static let logicalBits: UInt64 = 16
    /// Largest physical part (2^48 - 1 ms, the year 10889).
    public static let maxPhysical: UInt64 = (1 << 48) - 1
    public static let zero = HLCTimestamp(rawValue: 0)
    public static let max = HLCTimestamp(rawValue: .max)

    public var rawValue: UInt64

    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Physical values above 48 bits are clamped; they cannot come from a real clock.
    @inlinable public init(physical: UInt64, logical: UInt16 = 0) {
        rawValue =
            (Swift.min(physical, HLCTimestamp.maxPhysical) << HLCTimestamp.logicalBits) | UInt64(logical)
    }

    @inlinable public var physical: UInt64 { rawValue >> HLCTimestamp.logicalBits }
    @inlinable public var logical: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    @inlinable public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "\(physical).\(logical)" }
}
