import GossipKVCore

/// Runs commands against a `RESPBackend`. Stateless apart from the backend and the shared
/// server counters: a connection's own state lives in the `ClientSession` passed in, so one
/// executor serves every connection. Commands of one connection are run one at a time, in
/// order, by its connection task.
///
/// Any failure becomes an error reply; nothing a client sends can make `execute` trap.
public struct CommandExecutor: Sendable {
    public let backend: any RESPBackend
    public let server: RESPServerState

    public init(backend: any RESPBackend, server: RESPServerState = RESPServerState()) {
        self.backend = backend
        self.server = server
    }

    /// Commands a subscribed RESP2 client may still send.
    static let allowedWhileSubscribed: Set<String> = [
        "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping", "quit",
    ]

    /// Commands that change a session's subscriptions.
    static let subscriptionCommands: Set<String> = ["subscribe", "psubscribe", "unsubscribe", "punsubscribe"]

    public func execute(_ command: RESPCommand, session: inout ClientSession) async -> CommandOutcome {
        server.update { $0.commandsProcessed += 1 }
        let name = command.name
        guard let spec = CommandTable.spec(name) else {
            return CommandOutcome(
                CommandError.unknownCommand(
                    name: String(decoding: command.arguments.first ?? [], as: UTF8.self),
                    arguments: command.arguments.dropFirst().map { String(decoding: $0, as: UTF8.self) }
                ).reply)
        }
        guard spec.acceptsArgumentCount(command.arguments.count) else {
            return CommandOutcome(CommandError.wrongArity(command: name).reply)
        }
        if session.isSubscribed, !Self.allowedWhileSubscribed.contains(name) {
            return CommandOutcome(CommandError.notAllowedWhileSubscribed(command: name).reply)
        }
        do {
            return try await dispatch(name, Arguments(command.arguments), &session)
        } catch let error as CommandError {
            return CommandOutcome(error.reply)
        } catch {
            return CommandOutcome(CommandError.refused(String(describing: error)).reply)
        }
    }

    private func dispatch(_ name: String, _ args: Arguments, _ session: inout ClientSession) async throws
        -> CommandOutcome
    {
        switch name {
        case "ping": return ping(args, session)
        case "echo": return CommandOutcome(.bulkString(args[1]))
        case "select": return try select(args)
        case "hello": return try hello(args, &session)
        case "quit": return CommandOutcome([.ok], closeAfterReply: true)
        case "client": return try client(args, &session)
        case "get": return CommandOutcome(.bulkString(await backend.get(args[1])))
        case "set": return try await set(args)
        case "getdel": return try await getdel(args)
        case "mget": return await mget(args)
        case "mset": return try await mset(args)
        case "incr": return try await increment(args[1], by: 1)
        case "decr": return try await increment(args[1], by: -1)
        case "incrby": return try await increment(args[1], by: try args.integer(2))
        case "decrby": return try await decrement(args)
        case "setnx": return try await setIfAbsent(args)
        case "setex": return try await setWithExpiry(args, unit: 1000, command: "setex")
        case "psetex": return try await setWithExpiry(args, unit: 1, command: "psetex")
        case "getset": return try await getSet(args)
        case "append": return try await append(args)
        case "getex": return try await getWithExpiry(args)
        case "msetnx": return try await msetIfNoneExist(args)
        case "strlen": return CommandOutcome(.integer(Int64(await backend.get(args[1])?.count ?? 0)))
        case "del", "unlink": return try await delete(args)
        case "exists": return await exists(args)
        case "type":
            return CommandOutcome(.simpleString(await backend.get(args[1]) == nil ? "none" : "string"))
        case "keys": return await keys(args)
        case "scan": return try await scan(args)
        case "dbsize": return CommandOutcome(.integer(Int64(await backend.keyspaceStats().keys)))
        case "flushdb", "flushall": return try await flush(args)
        case "expire": return try await expire(args, unit: 1000, absolute: false)
        case "pexpire": return try await expire(args, unit: 1, absolute: false)
        case "expireat": return try await expire(args, unit: 1000, absolute: true)
        case "pexpireat": return try await expire(args, unit: 1, absolute: true)
        case "ttl": return await timeToLive(args[1], milliseconds: false)
        case "pttl": return await timeToLive(args[1], milliseconds: true)
        case "expiretime": return await expireTime(args[1], milliseconds: false)
        case "pexpiretime": return await expireTime(args[1], milliseconds: true)
        case "persist": return try await persist(args[1])
        case "info": return await info(args)
        case "time": return await time()
        case "members": return await members()
        case "command": return try command(args)
        case "config": return try config(args)
        case "auth": return try auth(args)
        case "subscribe": return subscribe(args, &session, pattern: false)
        case "psubscribe": return subscribe(args, &session, pattern: true)
        case "unsubscribe": return unsubscribe(args, &session, pattern: false)
        case "punsubscribe": return unsubscribe(args, &session, pattern: true)
        default:
            // A name in the table without a case here is a bug in this file, not the client's.
            return CommandOutcome(.err("command '\(name)' is listed but not implemented"))
        }
    }
}

/// A command's arguments with the accessors commands need. Indexing past the end yields an
/// empty argument rather than trapping (arity is checked first, so it does not happen).
struct Arguments: Sendable {
    let words: [[UInt8]]

    init(_ words: [[UInt8]]) { self.words = words }

    var count: Int { words.count }

    subscript(index: Int) -> [UInt8] { words.indices.contains(index) ? words[index] : [] }

    /// The argument in lower case, for option names (`nx`, `ex`, ...).
    func option(_ index: Int) -> String { String(decoding: self[index].map(asciiLowercased), as: UTF8.self) }

    func string(_ index: Int) -> String { String(decoding: self[index], as: UTF8.self) }

    func integer(_ index: Int) throws(CommandError) -> Int64 {
        guard let value = RESPInteger.parse(self[index]) else { throw .notInteger }
        return value
    }
}
