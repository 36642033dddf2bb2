import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns `--join` and `--advertise` host names into socket addresses with the system resolver
/// (`getaddrinfo`: /etc/hosts, DNS, a container runtime's service names all work).
///
/// `getaddrinfo` blocks, sometimes for seconds when DNS is down, so it runs on NIO's blocking
/// thread pool, never on an event loop or inside the node actor. An IP literal needs no lookup.
/// IPv4 answers come first: the gossip socket binds an IPv4 address by default, and `localhost`
/// often resolves to `::1` first.
enum SeedResolver {
    enum ResolveError: Error, CustomStringConvertible {
        case unresolvable(host: String, reason: String)

        var description: String {
            switch self {
            case let .unresolvable(host, reason): return "cannot resolve '\(host)': \(reason)"
            }
        }
    }

    /// Every address `target` names, IPv4 first; an IP literal without a lookup.
    static func resolve(_ target: HostPort, pool: NIOThreadPool = .singleton) async throws -> [SocketAddress]
    {
        if let literal = try? target.socketAddress() { return [literal] }
        return try await pool.runIfActive { try lookUp(host: target.host, port: target.port) }
    }

    /// Resolves every seed; a name that does not resolve yet is left out (and reported), so one
    /// dead name does not keep the node from the others. Duplicates go, order is kept.
    static func resolveAll(
        _ seeds: [HostPort], pool: NIOThreadPool = .singleton
    ) async -> (addresses: [SocketAddress], failures: [ResolveError]) {
        var addresses: [SocketAddress] = []
        var failures: [ResolveError] = []
        for seed in seeds {
            do {
                for address in try await resolve(seed, pool: pool) where !addresses.contains(address) {
                    addresses.append(address)
                }
            } catch let error as ResolveError {
                failures.append(error)
            } catch {
                failures.append(.unresolvable(host: seed.host, reason: "\(error)"))
            }
        }
        return (addresses, failures)
    }

    /// A blocking `getaddrinfo` for UDP addresses of `host`, IPv4 before IPv6.
    static func lookUp(host: String, port: Int) throws(ResolveError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
            hints.ai_socktype = SOCK_DGRAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no addresses" : String(cString: gai_strerror(status))
            throw .unresolvable(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var v4: [SocketAddress] = []
        var v6: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            defer { cursor = info.pointee.ai_next }
            guard let raw = info.pointee.ai_addr else { continue }
            switch info.pointee.ai_family {
            case AF_INET:
                let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    SocketAddress($0.pointee, host: host)
                }
                if !v4.contains(address) { v4.append(address) }
            case AF_INET6:
                let address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    SocketAddress($0.pointee, host: host)
                }
                if !v6.contains(address) { v6.append(address) }
            default:
                continue
            }
        }
        guard !(v4.isEmpty && v6.isEmpty) else {
            throw .unresolvable(host: host, reason: "no IPv4 or IPv6 address")
        }
        return v4 + v6
    }
}
