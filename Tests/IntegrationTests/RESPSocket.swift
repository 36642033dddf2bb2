import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking Redis-protocol client on one loopback TCP connection, for tests that must know
/// exactly which commands got a reply (a crash test counts only acknowledged writes). Replies
/// are returned as text: `+OK` → "OK", `-ERR x` → "-ERR x", a bulk string → its bytes, nil → nil.
final class RESPSocket {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    enum Failure: Error { case connect, closed, protocolError }

    init(port: Int, timeoutSeconds: Int = 10) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure.connect
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Sends one command and reads its reply.
    func command(_ arguments: [String]) throws -> String? {
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw Failure.closed }
            sent += count
        }
        return try readReply()
    }

    private func readReply() throws -> String? {
        let line = try readLine()
        guard let kind = line.first else { throw Failure.protocolError }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"), UInt8(ascii: ":"): return rest
        case UInt8(ascii: "-"): return "-" + rest
        case UInt8(ascii: "$"):
            guard let length = Int(rest) else { throw Failure.protocolError }
            if length < 0 { return nil }
            let body = try readBytes(length + 2)
            return String(decoding: body.prefix(length), as: UTF8.self)
        default: throw Failure.protocolError
        }
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")), end > 0,
                buffer[end - 1] == UInt8(ascii: "\r")
            {
                let line = Array(buffer[..<(end - 1)])
                buffer.removeFirst(end + 1)
                return line
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer.prefix(count))
        buffer.removeFirst(count)
        return bytes
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 4_096)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure.closed }
        buffer.append(contentsOf: chunk[..<count])
    }
}

/// A loopback port free for both TCP and UDP right now (the kernel picks it), for a child
/// process to bind: a fixed port may be taken by another test run on the same machine.
func freeLoopbackPort() -> Int? {
    for _ in 0..<20 {
        guard let port = boundPort(type: Int32(SOCK_STREAM.rawValue), port: 0), port < 60_000,
            boundPort(type: Int32(SOCK_DGRAM.rawValue), port: port) != nil
        else { continue }
        return port
    }
    return nil
}

/// Binds a socket of `type` to 127.0.0.1:`port`, closes it, and returns the port bound.
private func boundPort(type: Int32, port: Int) -> Int? {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { return nil }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { return nil }
    return Int(UInt16(bigEndian: address.sin_port))
}
