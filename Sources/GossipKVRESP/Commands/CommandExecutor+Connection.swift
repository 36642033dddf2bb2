/// Connection commands: PING, SELECT, HELLO, CLIENT.
extension CommandExecutor {
    /// The Redis version the server claims in HELLO and INFO: the command set follows Redis 7.0.
    public static let redisVersion = "7.0.0"
    public static let serverVersion = "0.1.0"

    func ping(_ args: Arguments, _ session: ClientSession) -> CommandOutcome {
        if args.count > 2 { return CommandOutcome(CommandError.wrongArity(command: "ping").reply) }
        if session.isSubscribed {
            // RESP2 subscribers get PING's answer as a pub/sub-shaped array.
            return CommandOutcome(.array([.bulk("pong"), .bulkString(args.count == 2 ? args[1] : [])]))
        }
        return CommandOutcome(args.count == 2 ? .bulkString(args[1]) : .simpleString("PONG"))
    }

    /// Only database 0 exists: every node holds one replicated map.
    func select(_ args: Arguments) throws(CommandError) -> CommandOutcome {
        let index = try args.integer(1)
        guard index == 0 else { throw .databaseOutOfRange }
        return CommandOutcome(.ok)
    }

    /// HELLO [2 [SETNAME name]]: RESP2 only; HELLO 3 is refused with NOPROTO, so clients fall
    /// back to RESP2 as they do with Redis 5.
    func hello(_ args: Arguments, _ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        var index = 1
        if args.count > 1 {
            guard let version = RESPInteger.parse(args[1]) else {
                throw .incompatibleOptions("Protocol version is not an integer or out of range")
            }
            guard version == 2 else { throw .unsupportedProtocol }
            index = 2
        }
        while index < args.count {
            switch args.option(index) {
            case "setname" where index + 1 < args.count:
                try setName(args[index + 1], &session)
                index += 2
            case "auth" where index + 2 < args.count:
                // No users exist; accept and ignore credentials as Redis without ACLs would for
                // the default user with no password.
                index += 3
            default:
                throw .syntax
            }
        }
        return CommandOutcome(
            .map([
                ("server", .bulk("redis")), ("version", .bulk(Self.redisVersion)), ("proto", .integer(2)),
                ("id", .integer(session.id)), ("mode", .bulk("standalone")), ("role", .bulk("master")),
                ("modules", .array([])),
            ]))
    }

    func client(_ args: Arguments, _ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        let sub = args.option(1)
        guard let spec = CommandTable.spec("client")?.subcommands.first(where: { $0.name == "client|" + sub })
        else {
            throw .unknownSubcommand(subcommand: args.string(1), command: "client")
        }
        guard spec.acceptsArgumentCount(args.count) else { throw .wrongArity(command: spec.name) }
        switch sub {
        case "id":
            return CommandOutcome(.integer(session.id))
        case "setname":
            try setName(args[2], &session)
            return CommandOutcome(.ok)
        case "getname":
            return CommandOutcome(session.name.map { .bulk($0) } ?? .null)
        case "setinfo":
            switch args.option(2) {
            case "lib-name": session.libraryName = args.string(3)
            case "lib-ver": session.libraryVersion = args.string(3)
            default: throw .incompatibleOptions("Unrecognized option '\(args.string(2))'")
            }
            return CommandOutcome(.ok)
        default:
            return CommandOutcome(.bulk(clientInfoLine(session) + "\n"))
        }
    }

    /// Names are printable ASCII without spaces (Redis's rule); an empty name clears it.
    private func setName(_ bytes: [UInt8], _ session: inout ClientSession) throws(CommandError) {
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw .invalidClientName }
        session.name = bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    func clientInfoLine(_ session: ClientSession) -> String {
        var fields = ["id=\(session.id)", "addr=\(session.address)", "name=\(session.name ?? "")", "db=0"]
        fields.append("sub=\(session.channels.count)")
        fields.append("psub=\(session.patterns.count)")
        fields.append("resp=2")
        fields.append("lib-name=\(session.libraryName ?? "")")
        fields.append("lib-ver=\(session.libraryVersion ?? "")")
        return fields.joined(separator: " ")
    }
}
