/// Connection commands: PING, SELECT, HELLO.
extension CommandExecutor {
    /// The Redis version the server claims in HELLO and INFO: the command set follows Redis 7.0.
    public static let redisVersion = "7.0.0"
    public static let serverVersion = "0.1.0"

    func ping(_ args: Arguments, _ session: ClientSession) -> CommandOutcome {
        if args.count > 2 { return CommandOutcome(CommandError.wrongArity(command: "ping").reply) }
        if session.isSubscribed, session.protocolVersion == .resp2 {
            // RESP2 subscribers get PING's answer as a pub/sub-shaped array; RESP3 ones, whose
            // messages are push frames, get the ordinary reply.
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

    /// HELLO [protover [AUTH username password] [SETNAME clientname]], as Redis 7 answers it:
    /// every option is read before any takes effect, then the credentials are checked (as AUTH
    /// checks them), then the name is set, then the protocol switches; the reply, a map, is
    /// written in the new protocol. Without a version HELLO reports the current protocol.
    func hello(_ args: Arguments, _ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        var version = session.protocolVersion
        var index = 1
        if args.count > 1 {
            guard let requested = RESPInteger.parse(args[1]) else {
                throw .incompatibleOptions("Protocol version is not an integer or out of range")
            }
            guard let supported = RESPProtocolVersion(rawValue: Int(clamping: requested)) else {
                throw .unsupportedProtocol
            }
            version = supported
            index = 2
        }
        var credentials: (user: [UInt8], password: [UInt8])? = nil
        var name: [UInt8]? = nil
        while index < args.count {
            let remaining = args.count - index - 1
            switch args.option(index) {
            case "auth" where remaining >= 2:
                credentials = (args[index + 1], args[index + 2])
                index += 3
            case "setname" where remaining >= 1:
                name = args[index + 1]
                index += 2
            default:
                throw .helloSyntax(option: args.string(index))
            }
        }
        if let credentials {
            _ = try auth(Arguments([Array("auth".utf8), credentials.user, credentials.password]), &session)
        } else if session.awaitsAuthentication {
            throw .helloWithoutAuthentication
        }
        if let name { try setName(name, &session) }
        session.protocolVersion = version
        return CommandOutcome(
            .fields([
                ("server", .bulk("redis")), ("version", .bulk(Self.redisVersion)),
                ("proto", .integer(Int64(version.rawValue))), ("id", .integer(session.id)),
                ("mode", .bulk("standalone")), ("role", .bulk("master")), ("modules", .array([])),
            ]))
    }

    /// Names are printable ASCII without spaces (Redis's rule); an empty name clears it.
    func setName(_ bytes: [UInt8], _ session: inout ClientSession) throws(CommandError) {
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw .invalidClientName }
        session.name = bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
