import GossipKVCore
import GossipKVRESP

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

    /// The replies to one command.
    mutating func replies(_ words: [[UInt8]]) async -> [RESPValue] {
        await executor.execute(RESPCommand(arguments: words), session: &session).replies
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
