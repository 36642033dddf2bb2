import GossipKVCore
import NIOCore

/// A `HOST:PORT` pair as typed by an operator (`--join 10.0.0.5:7377`, `[fe80::1]:7377`).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)

        public var description: String {
            switch self {
            case let .invalid(text): return "'\(text)' is not HOST:PORT (e.g. 10.0.0.5:7377 or [::1]:7377)"
            }
        }
    }

    /// Parses `host:port`, `[v6]:port`, or a bare host (then `defaultPort`).
    public init(parsing text: String, defaultPort: Int) throws(ParseError) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                port = defaultPort
            } else if rest.hasPrefix(":"), let value = Int(rest.dropFirst()), (1...65_535).contains(value) {
                port = value
            } else {
                throw .invalid(text)
            }
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = String(text[..<colon])
            guard let value = Int(text[text.index(after: colon)...]), (1...65_535).contains(value) else {
                throw .invalid(text)
            }
            port = value
        } else {
            host = text
            port = defaultPort
        }
        guard !host.isEmpty else { throw .invalid(text) }
    }

    /// The address when `host` is an IP literal; throws for a name (see `SeedResolver`).
    public func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension MemberAddress {
    /// The member's gossip socket address.
    func gossipSocketAddress() -> SocketAddress? {
        switch host {
        case .ipv4:
            let text = hostBytes.map(String.init).joined(separator: ".")
            return try? SocketAddress(ipAddress: text, port: Int(gossipPort))
        case .ipv6:
            let bytes = hostBytes
            let text = stride(from: 0, to: 16, by: 2)
                .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
            return try? SocketAddress(ipAddress: text, port: Int(gossipPort))
        }
    }

    /// The address of `socketAddress` with our ports.
    init?(socketAddress: SocketAddress, gossipPort: UInt16, clientPort: UInt16) {
        switch socketAddress {
        case let .v4(address):
            let value = UInt32(bigEndian: address.address.sin_addr.s_addr)
            self.init(host: .ipv4(value), gossipPort: gossipPort, clientPort: clientPort)
        case let .v6(address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            self.init(hostBytes: bytes, gossipPort: gossipPort, clientPort: clientPort)
        default:
            return nil
        }
    }

    /// True for 0.0.0.0: "use the address this announcement came from".
    var isUnspecified: Bool {
        if case .ipv4(0) = host { return true }
        return false
    }
}
