import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking Redis-protocol connection over a plain TCP socket, for one-shot CLI commands:
/// no event loop to start for one request. Every wait is bounded by `timeout` (connect, send,
/// each receive), every reply by `RESPReplyParser`'s limits. Not thread-safe; one per command.
final class RESPConnection {
    let endpoint: String
    let timeout: Double
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    /// Connects to `host:port` (a name or an IPv4/IPv6 address), trying each address in turn.
    init(host: String, port: Int, timeout: Double) throws(ClientError) {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.endpoint = endpoint
        self.timeout = timeout
        self.descriptor = try Self.connect(host: host, port: port, timeout: timeout, endpoint: endpoint)
    }

    deinit { close(descriptor) }

    /// Sends one command and reads its reply. A RESP error reply is returned, not thrown: the
    /// caller knows whether the command may fail.
    func call(_ arguments: [[UInt8]]) throws(ClientError) -> RESPReply {
        try send(RESPRequest.encode(arguments))
        var source = SocketSource(connection: self)
        return try RESPReplyParser.read(from: &source)
    }

    func call(_ arguments: String...) throws(ClientError) -> RESPReply {
        try call(arguments.map { Array($0.utf8) })
    }

    private func send(_ bytes: [UInt8]) throws(ClientError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.send(
                    descriptor, raw.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                sent += result
            } else if result < 0, errno == EINTR {
                continue
            } else {
                throw ioError(errno)
            }
        }
    }

    /// Reads more bytes into the buffer; at most 64 KiB a time.
    fileprivate func fill() throws(ClientError) {
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 1 << 20 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1_024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk.prefix(count)
                return
            }
            if count == 0 { throw .connectionClosed(endpoint: endpoint) }
            if errno == EINTR { continue }
            throw ioError(errno)
        }
    }

    private func ioError(_ code: Int32) -> ClientError {
        if code == EAGAIN || code == EWOULDBLOCK { return .timedOut(endpoint: endpoint, seconds: timeout) }
        if code == ECONNRESET || code == EPIPE { return .connectionClosed(endpoint: endpoint) }
        return .ioFailed(endpoint: endpoint, reason: String(cString: strerror(code)))
    }

    fileprivate func takeLine(limit: Int) throws(ClientError) -> [UInt8] {
        while true {
            if let end = buffer[position...].firstIndex(of: 10) {
                guard end > position, buffer[end - 1] == 13 else {
                    throw .protocolViolation(endpoint: endpoint, detail: "a line not ended by CRLF")
                }
                let line = Array(buffer[position..<(end - 1)])
                position = end + 1
                return line
            }
            guard buffer.count - position <= limit + 2 else {
                throw .protocolViolation(endpoint: endpoint, detail: "a line longer than \(limit) bytes")
            }
            try fill()
        }
    }

    fileprivate func take(_ count: Int) throws(ClientError) -> [UInt8] {
        while buffer.count - position < count { try fill() }
        let bytes = Array(buffer[position..<(position + count)])
        position += count
        return bytes
    }

    // MARK: Connecting

    private static func connect(host: String, port: Int, timeout: Double, endpoint: String)
        throws(ClientError) -> Int32
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host == "localhost" ? "127.0.0.1" : host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .cannotResolve(endpoint: endpoint, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError: ClientError = .nothingListening(endpoint: endpoint)
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let info = current {
            current = info.pointee.ai_next
            let descriptor = socket(
                info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            do {
                try connect(descriptor, to: info.pointee, timeout: timeout, endpoint: endpoint)
                try setTimeouts(descriptor, timeout)
                return descriptor
            } catch {
                close(descriptor)
                lastError = error
            }
        }
        throw lastError
    }

    /// A non-blocking connect and a poll, so an unreachable host costs `timeout`, not the
    /// kernel's two minutes.
    private static func connect(_ descriptor: Int32, to info: addrinfo, timeout: Double, endpoint: String)
        throws(ClientError)
    {
        let flags = fcntl(descriptor, F_GETFL, 0)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw connectError(errno, endpoint: endpoint) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(min(timeout * 1_000, Double(Int32.max))))
            guard ready > 0 else { throw .timedOut(endpoint: endpoint, seconds: timeout) }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length)
            guard code == 0 else { throw connectError(code, endpoint: endpoint) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
    }

    private static func connectError(_ code: Int32, endpoint: String) -> ClientError {
        code == ECONNREFUSED
            ? .nothingListening(endpoint: endpoint)
            : .cannotConnect(endpoint: endpoint, reason: String(cString: strerror(code)))
    }

    private static func setTimeouts(_ descriptor: Int32, _ timeout: Double) throws(ClientError) {
        let whole = Int(timeout)
        var value = timeval(tv_sec: whole, tv_usec: Int((timeout - Double(whole)) * 1_000_000))
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, size)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, size)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}

/// The connection's buffer as the parser's byte source.
private struct SocketSource: RESPByteSource {
    let connection: RESPConnection
    var endpoint: String { connection.endpoint }

    mutating func line(limit: Int) throws(ClientError) -> [UInt8] { try connection.takeLine(limit: limit) }

    mutating func bytes(_ count: Int) throws(ClientError) -> [UInt8] { try connection.take(count) }
}
