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
    /// The password connections must give first (`requirepass`); nil when none is set.
    public let password: ClientPassword?
    /// Shared by every connection of this executor: keeps other clients' commands out of an EXEC.
    let gate = TransactionGate()

    public init(
        backend: any RESPBackend, server: RESPServerState = RESPServerState(), password: ClientPassword? = nil
    ) {
        self.backend = backend
        self.server = server
        self.password = password
    }

    /// The state of a new connection: it must authenticate first when a password is set.
    public func makeSession(address: String = "") -> ClientSession {
        var session = ClientSession(id: server.makeClientID(), address: address)
        session.awaitsAuthentication = password != nil
        return session
    }

    /// Commands a subscribed RESP2 client may still send.
    static let allowedWhileSubscribed: Set<String> = [
        "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping", "quit",
    ]

    /// Bounds on one connection's MULTI queue, which lives in memory until EXEC or DISCARD.
    public static let maxQueuedCommands = 100_000
    public static let maxQueuedBytes = 256 << 20

    /// Commands that act at once inside MULTI rather than being queued.
    static let transactionControl: Set<String> = ["exec", "discard", "multi", "watch", "quit"]

    /// Commands refused inside MULTI: subscriptions and the handshake change the connection
    /// itself, which a queued batch must not do.
    static let refusedInTransaction: Set<String> = [
        "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "hello",
    ]

    /// Commands that change a session's subscriptions.
    static let subscriptionCommands: Set<String> = ["subscribe", "psubscribe", "unsubscribe", "punsubscribe"]

    public func execute(_ command: RESPCommand, session: inout ClientSession) async -> CommandOutcome {
        server.update { $0.commandsProcessed += 1 }
        let name = command.name
        if let refusal = check(command, session) {
            // As in Redis, a command refused while queueing dooms the transaction.
            if session.isInTransaction { session.transactionFailed = true }
            return CommandOutcome(refusal.reply)
        }
        if session.isInTransaction, !Self.transactionControl.contains(name) {
            guard !Self.refusedInTransaction.contains(name) else {
                session.transactionFailed = true
                return CommandOutcome(CommandError.notAllowedInTransaction.reply)
            }
            let bytes = command.arguments.reduce(0) { $0 + $1.count }
            guard let count = session.queuedCommands?.count, count < Self.maxQueuedCommands,
                session.queuedBytes + bytes <= Self.maxQueuedBytes
            else {
                session.transactionFailed = true
                return CommandOutcome(CommandError.transactionTooLarge.reply)
            }
            session.queuedCommands?.append(command)
            session.queuedBytes += bytes
            return CommandOutcome(.simpleString("QUEUED"))
        }
        let arguments = Arguments(command.arguments)
        if name == "exec", session.isInTransaction, !session.transactionFailed {
            return await gate.exclusive { await run(name, arguments, &session) }
        }
        return await gate.shared { await run(name, arguments, &session) }
    }

    /// Why `command` cannot run at all, checked before it runs or is queued: an unknown command
    /// or subcommand, a wrong argument count, or (RESP2 only) a command a subscriber may not send.
    private func check(_ command: RESPCommand, _ session: ClientSession) -> CommandError? {
        let name = command.name
        guard let spec = CommandTable.spec(name) else {
            return CommandError.unknownCommand(
                name: String(decoding: command.arguments.first ?? [], as: UTF8.self),
                arguments: command.arguments.dropFirst().map { String(decoding: $0, as: UTF8.self) })
        }
        guard spec.acceptsArgumentCount(command.arguments.count) else { return .wrongArity(command: name) }
        if !spec.subcommands.isEmpty, command.arguments.count > 1 {
            let arguments = Arguments(command.arguments)
            let sub = name + "|" + arguments.option(1)
            guard let subspec = spec.subcommands.first(where: { $0.name == sub }) else {
                return .unknownSubcommand(subcommand: arguments.string(1), command: name)
            }
            guard subspec.acceptsArgumentCount(command.arguments.count) else {
                return .wrongArity(command: sub)
            }
        }
        // After the lookup and arity checks, as in Redis; AUTH, HELLO and QUIT carry `no_auth`.
        if session.awaitsAuthentication, !spec.flags.contains("no_auth") { return .authenticationRequired }
        if session.isSubscribed, session.protocolVersion == .resp2,
            !Self.allowedWhileSubscribed.contains(name)
        {
            return .notAllowedWhileSubscribed(command: name)
        }
        return nil
    }

    /// Runs one command now; any failure becomes its error reply.
    func run(_ name: String, _ args: Arguments, _ session: inout ClientSession) async -> CommandOutcome {
        do {
            return try await dispatch(name, args, &session)
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
        case "keyring": return try await keyring(args)
        case "command": return try command(args)
        case "config": return try config(args)
        case "auth": return try auth(args, &session)
        case "subscribe": return subscribe(args, &session, pattern: false)
        case "psubscribe": return subscribe(args, &session, pattern: true)
        case "unsubscribe": return unsubscribe(args, &session, pattern: false)
        case "punsubscribe": return unsubscribe(args, &session, pattern: true)
        case "multi": return try multi(&session)
        case "exec": return try await exec(&session)
        case "discard": return try discard(&session)
        case "watch": throw CommandError.watchUnsupported
        case "unwatch": return CommandOutcome(.ok)
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
