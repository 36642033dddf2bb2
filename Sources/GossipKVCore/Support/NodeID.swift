/// A node's 16-byte identity (the first 16 bytes of BLAKE2b of its public key, computed by the
/// crypto layer). Stored as two words so that comparing, hashing and copying it is cheap; the
/// order is the lexicographic order of the bytes, the same on every node.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 16
    /// The id used as recipient of multicast messages and for "no node".
    public static let zero = NodeID(high: 0, low: 0)

    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Returns nil unless `bytes` holds exactly 16 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == NodeID.byteCount else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) {
            result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            result.append(UInt8(truncatingIfNeeded: low >> UInt64(shift)))
        }
        return result
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The first 8 bytes in hex: enough to tell nodes apart in logs.
    public var description: String {
        let hex = String(high, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
