/// Where a member can be reached: an IPv4 or IPv6 address, its gossip port (UDP and TCP) and its
/// client (RESP) port.
///
/// The membership core never interprets it: it only carries the address a member announced
/// (through discovery or a piggybacked update) so that every node can tell its shell where to
/// send. A plain value with no invalid states, so the wire codec can round-trip it exactly.
public struct MemberAddress: Hashable, Sendable, CustomStringConvertible {
    /// The host part. Stored as integers (network byte order when read as bytes) so that an
    /// address is cheap to compare and copy and cannot hold a byte count other than 4 or 16.
    public enum Host: Hashable, Sendable {
        case ipv4(UInt32)
        case ipv6(high: UInt64, low: UInt64)
    }

    public var host: Host
    public var gossipPort: UInt16
    public var clientPort: UInt16

    public init(host: Host, gossipPort: UInt16, clientPort: UInt16) {
        self.host = host
        self.gossipPort = gossipPort
        self.clientPort = clientPort
    }

    /// Builds an address from 4 (IPv4) or 16 (IPv6) host bytes in network order; nil for any
    /// other count.
    public init?(hostBytes: some Collection<UInt8>, gossipPort: UInt16, clientPort: UInt16) {
        switch hostBytes.count {
        case 4:
            let value = hostBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            self.init(host: .ipv4(value), gossipPort: gossipPort, clientPort: clientPort)
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (offset, byte) in hostBytes.enumerated() {
                if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.init(host: .ipv6(high: high, low: low), gossipPort: gossipPort, clientPort: clientPort)
        default:
            return nil
        }
    }

    /// The host in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var hostBytes: [UInt8] {
        switch host {
        case let .ipv4(value):
            return Self.bigEndianBytes(UInt64(value), count: 4)
        case let .ipv6(high, low):
            return Self.bigEndianBytes(high, count: 8) + Self.bigEndianBytes(low, count: 8)
        }
    }

    /// `a.b.c.d:gossip` or `[x:x:…]:gossip` (IPv6 groups in full, no `::` compression).
    public var description: String {
        switch host {
        case .ipv4:
            return hostBytes.map(String.init).joined(separator: ".") + ":\(gossipPort)"
        case .ipv6:
            let bytes = hostBytes
            let groups = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            return "[" + groups.joined(separator: ":") + "]:\(gossipPort)"
        }
    }

    private static func bigEndianBytes(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(count - 1 - $0))) }
    }
}
