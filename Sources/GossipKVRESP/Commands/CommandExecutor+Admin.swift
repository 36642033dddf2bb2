/// CONFIG and AUTH: what clients and tools send when they connect, answered so they carry on.
extension CommandExecutor {
    /// What CONFIG GET reports. Clients read these at start (redis-benchmark asks for `save`
    /// and `appendonly`; some libraries read `databases` or `maxmemory`), so every name has the
    /// value that describes a GossipKV node. A node is configured by its flags, environment and
    /// config file, not by CONFIG SET.
    func configParameters() -> [(String, String)] {
        [
            ("appendonly", "no"),
            ("bind", "*"),
            ("databases", "1"),
            ("maxclients", "\(server.maxClients)"),
            ("maxmemory", "0"),
            ("maxmemory-policy", "noeviction"),
            ("notify-keyspace-events", "AKE"),
            ("port", "\(server.port)"),
            ("requirepass", ""),
            ("save", ""),
            ("timeout", "0"),
        ]
    }

    /// CONFIG GET pattern [pattern ...]: a map (flat name/value array in RESP2) of the parameters matching any
    /// pattern (case-insensitive globs, as Redis 7). CONFIG SET and RESETSTAT are refused with a
    /// message that says where the setting lives.
    func config(_ args: Arguments) throws(CommandError) -> CommandOutcome {
        let sub = args.option(1)
        guard let spec = CommandTable.spec("config")?.subcommands.first(where: { $0.name == "config|" + sub })
        else {
            throw .unknownSubcommand(subcommand: args.string(1), command: "config")
        }
        guard spec.acceptsArgumentCount(args.count) else { throw .wrongArity(command: spec.name) }
        switch sub {
        case "get":
            let patterns = (2..<args.count).map { GlobPattern(args[$0].map(asciiLowercased)) }
            let matching = configParameters().filter { name, _ in
                patterns.contains(where: { $0.matches(Array(name.utf8)) })
            }
            return CommandOutcome(.fields(matching.map { ($0.0, .bulk($0.1)) }))
        default:
            throw .refused(
                "CONFIG \(sub.uppercased()) is not supported: a GossipKV node is configured by its flags, "
                    + "GOSSIPKV_ environment variables or config file (see `gossipkv node --help`)")
        }
    }

    /// AUTH [username] password. The only user is Redis's `default` user.
    ///
    /// With a password (`requirepass`), `AUTH password` and `AUTH default password` compare it
    /// in constant time (`ClientPassword.matches`) and, when right, let the connection run
    /// commands; a wrong one, or another user, gets WRONGPASS and leaves the connection as it
    /// was. Without one, `default` is Redis's `nopass` user: `AUTH password` gets Redis's exact
    /// error for a server without `requirepass` and `AUTH default anything` succeeds.
    func auth(_ args: Arguments, _ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        let user: [UInt8]?
        switch args.count {
        case 2: user = nil
        case 3: user = args[1]
        default: throw .syntax
        }
        let isDefaultUser = user.map { $0 == Array("default".utf8) } ?? true
        guard let password else {
            guard user != nil else { throw .authWithoutPassword }
            guard isDefaultUser else { throw .wrongPassword }
            return CommandOutcome(.ok)
        }
        // Compared even for an unknown user, so the reply's timing does not tell users apart.
        let passwordMatches = password.matches(args[args.count - 1])
        guard passwordMatches, isDefaultUser else {
            server.update { $0.authenticationFailures += 1 }
            throw .wrongPassword
        }
        session.awaitsAuthentication = false
        return CommandOutcome(.ok)
    }
}
