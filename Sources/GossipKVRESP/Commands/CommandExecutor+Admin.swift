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

    /// AUTH [username] password. Nodes have no passwords (the RESP port binds 127.0.0.1 unless
    /// told otherwise), so the default user is Redis's `nopass` user: `AUTH password` gets
    /// Redis's exact error for a server without `requirepass`, `AUTH default anything`
    /// succeeds, and any other user is refused as Redis refuses an unknown user.
    func auth(_ args: Arguments) throws(CommandError) -> CommandOutcome {
        switch args.count {
        case 2:
            throw .authWithoutPassword
        case 3:
            guard args.string(1) == "default" else { throw .wrongPassword }
            return CommandOutcome(.ok)
        default:
            throw .syntax
        }
    }
}
