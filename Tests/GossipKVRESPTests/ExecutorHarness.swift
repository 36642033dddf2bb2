import GossipKVCore
import GossipKVRESP
import NIOCore
import Testing

/// Runs commands through a `CommandExecutor` on a `ReplicaBackend`, as one client would.
struct ExecutorHarness {
    let backend: ReplicaBackend
    let executor: CommandExecutor
    var session: ClientSession

    init(backend: ReplicaBackend = ReplicaBackend()) {
        self.backend = backend
        self.executor = CommandExecutor(backend: backend, server: RESPServerState(maxClients: 5))
        self.session = ClientSession(id: executor.server.makeClientID(), address: "127.0.0.1:5000")
    }

    /// A client of a server that requires `password` (`requirepass`); it has not authenticated.
    init(password: ClientPassword, backend: ReplicaBackend = ReplicaBackend()) {
        self.backend = backend
        self.executor = CommandExecutor(
            backend: backend, server: RESPServerState(maxClients: 5), password: password)
        self.session = executor.makeSession(address: "127.0.0.1:5000")
    }

    /// Another client of the same server (same executor, backend and counters).
    init(sharing other: ExecutorHarness) {
        self.backend = other.backend
        self.executor = other.executor
        self.session = executor.makeSession(address: "127.0.0.1:5001")
    }

    /// The replies to one command, as a client reads them off the wire in the session's
    /// protocol (so a map arrives as a flat array in RESP2). An unreadable reply is recorded as an
    /// issue and answered as `-UNREADABLE`.
    mutating func replies(_ words: [[UInt8]]) async -> [RESPValue] {
        let values = await executor.execute(RESPCommand(arguments: words), session: &session).replies
        return values.map { value in
            var buffer = ByteBuffer()
            buffer.writeRESPValue(value, as: session.protocolVersion)
            guard let read = try? RESPReplyParser.next(&buffer), buffer.readableBytes == 0 else {
                Issue.record("the reply \(value) does not read back")
                return .error("UNREADABLE")
            }
            return read
        }
    }

    /// The wire bytes of one command's replies in the session's protocol, as text.
    mutating func wire(_ words: String...) async -> String {
        let values = await executor.execute(
            RESPCommand(arguments: words.map { Array($0.utf8) }), session: &session
        ).replies
        var buffer = ByteBuffer()
        for value in values { buffer.writeRESPValue(value, as: session.protocolVersion) }
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    /// The single reply to one command, given as words.
    @discardableResult
    mutating func run(_ words: String...) async -> RESPValue {
        let all = await replies(words.map { Array($0.utf8) })
        return all.count == 1 ? all[0] : .array(all)
    }

    mutating func run(bytes words: [[UInt8]]) async -> RESPValue {
        let all = await replies(words)
        return all.count == 1 ? all[0] : .array(all)
    }
}

extension RESPValue {
    static func b(_ text: String) -> RESPValue { .bulk(text) }
}
