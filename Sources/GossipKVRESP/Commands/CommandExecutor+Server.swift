import GossipKVCore

/// Server commands: INFO, TIME, MEMBERS, COMMAND.
extension CommandExecutor {
    static let infoSections = ["server", "clients", "stats", "keyspace", "cluster"]

    /// INFO [section ...]: Redis's `name:value` lines under `# Section` headers. `cluster`
    /// reports this node, its HLC and state hash, and one line per member with its lag.
    func info(_ args: Arguments) async -> CommandOutcome {
        var wanted: [String] = []
        for index in 1..<Swift.max(args.count, 1) {
            let name = args.option(index)
            if ["all", "default", "everything"].contains(name) {
                wanted = Self.infoSections
                break
            }
            if Self.infoSections.contains(name), !wanted.contains(name) { wanted.append(name) }
        }
        if args.count == 1 { wanted = Self.infoSections }
        var sections: [String] = []
        for name in Self.infoSections where wanted.contains(name) {
            sections.append(await infoSection(name))
        }
        return CommandOutcome(.bulk(sections.joined(separator: "\r\n")))
    }

    private func infoSection(_ name: String) async -> String {
        var lines: [String]
        switch name {
        case "server":
            lines = [
                "# Server", "redis_version:\(Self.redisVersion)", "gossipkv_version:\(Self.serverVersion)",
                "redis_mode:standalone", "arch_bits:\(Int.bitWidth)", "tcp_port:\(server.port)",
                "uptime_in_seconds:\(server.uptimeSeconds)",
                "uptime_in_days:\(server.uptimeSeconds / 86_400)",
            ]
        case "clients":
            let counters = server.snapshot
            lines = [
                "# Clients", "connected_clients:\(counters.connectedClients)",
                "maxclients:\(server.maxClients)",
            ]
        case "stats":
            let counters = server.snapshot
            lines = [
                "# Stats", "total_connections_received:\(counters.totalConnections)",
                "total_commands_processed:\(counters.commandsProcessed)",
                "rejected_connections:\(counters.rejectedConnections)",
                "protocol_error_disconnections:\(counters.protocolErrors)",
                "idle_disconnections:\(counters.idleClosures)",
                // Redis 7's name for refused AUTHs; the next two are GossipKV's.
                "acl_access_denied_auth:\(counters.authenticationFailures)",
                "protected_mode_refusals:\(counters.protectedModeRefusals)",
                "cross_protocol_disconnections:\(counters.crossProtocolAttacks)",
            ]
        case "keyspace":
            let stats = await backend.keyspaceStats()
            lines = ["# Keyspace"]
            if stats.keys > 0 { lines.append("db0:keys=\(stats.keys),expires=\(stats.expiring),avg_ttl=0") }
        default:
            lines = clusterLines(await backend.clusterInfo())
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `cluster_enabled:0` tells Redis Cluster clients not to expect slots or MOVED replies:
    /// every GossipKV node holds every key.
    private func clusterLines(_ cluster: RESPClusterInfo) -> [String] {
        var lines = [
            "# Cluster", "cluster_enabled:0", "node_id:\(Self.infoValue(cluster.nodeID))",
            "node_name:\(Self.infoValue(cluster.nodeName))", "hlc:\(cluster.hlc)",
            "hlc_physical_ms:\(cluster.hlc.physical)",
            "state_hash:\(Self.hex(cluster.stateHash))", "members:\(cluster.members.count)",
            "members_alive:\(cluster.members.filter { $0.state == "alive" }.count)",
        ]
        for (index, member) in cluster.members.enumerated() {
            var fields = [
                "id=\(member.nodeID)", "name=\(member.name)", "addr=\(member.address)",
                "state=\(member.state)",
                "self=\(member.isSelf ? 1 : 0)",
            ]
            if let client = member.clientAddress { fields.append("client=\(client)") }
            if let entries = member.lagEntries { fields.append("lag_entries=\(entries)") }
            if let milliseconds = member.lagMilliseconds { fields.append("lag_ms=\(milliseconds)") }
            lines.append("member\(index):" + fields.map(Self.infoValue).joined(separator: ","))
        }
        for field in cluster.extraFields {
            lines.append("\(Self.infoValue(field.name)):\(Self.infoValue(field.value))")
        }
        return lines
    }

    /// One INFO value on one line: line breaks and the field separator become `_`.
    static func infoValue(_ text: String) -> String {
        String(text.map { $0 == "\r" || $0 == "\n" || $0 == "," ? "_" : $0 })
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// TIME: the physical part of the node's hybrid logical clock, as Unix seconds and
    /// microseconds (millisecond resolution).
    func time() async -> CommandOutcome {
        let physical = await backend.readTime().physical
        return CommandOutcome(
            .bulkArray([Array(String(physical / 1000).utf8), Array(String(physical % 1000 * 1000).utf8)]))
    }

    /// MEMBERS: one map per member (a flat field/value array in RESP2), this node included.
    func members() async -> CommandOutcome {
        let cluster = await backend.clusterInfo()
        return CommandOutcome(
            .array(
                cluster.members.map { member in
                    var pairs: [(String, RESPValue)] = [
                        ("id", .bulk(member.nodeID)), ("name", .bulk(member.name)),
                        ("address", .bulk(member.address)),
                        ("state", .bulk(member.state)), ("self", .integer(member.isSelf ? 1 : 0)),
                    ]
                    if let entries = member.lagEntries {
                        pairs.append(("lag_entries", .integer(Int64(entries))))
                    }
                    if let milliseconds = member.lagMilliseconds {
                        pairs.append(("lag_ms", .integer(Int64(clamping: milliseconds))))
                    }
                    return .fields(pairs)
                }))
    }

    /// COMMAND, COMMAND COUNT, COMMAND INFO [name ...], COMMAND DOCS [name ...], COMMAND LIST.
    func command(_ args: Arguments) throws(CommandError) -> CommandOutcome {
        if args.count == 1 { return CommandOutcome(.array(CommandTable.all.map(\.info))) }
        let sub = args.option(1)
        guard
            let spec = CommandTable.spec("command")?.subcommands.first(where: { $0.name == "command|" + sub })
        else {
            throw .unknownSubcommand(subcommand: args.string(1), command: "command")
        }
        guard spec.acceptsArgumentCount(args.count) else { throw .wrongArity(command: spec.name) }
        let named = (2..<Swift.max(args.count, 2)).map { args.option($0) }
        switch sub {
        case "count":
            return CommandOutcome(.integer(Int64(CommandTable.all.count)))
        case "info":
            if named.isEmpty { return CommandOutcome(.array(CommandTable.all.map(\.info))) }
            return CommandOutcome(.array(named.map { CommandTable.spec($0)?.info ?? .array(nil) }))
        case "docs":
            let specs = named.isEmpty ? CommandTable.all : named.compactMap(CommandTable.spec)
            return CommandOutcome(.fields(specs.map { ($0.name, $0.docs) }))
        default:
            return CommandOutcome(.bulkArray(CommandTable.all.map { Array($0.name.utf8) }))
        }
    }
}

extension CommandExecutor {
    /// KEYRING LIST | INSTALL base64-key | USE key-id | REMOVE key-id: the node's gossip
    /// encryption keys (`gossipkv keyring` sends these to every member). LIST answers a map of
    /// `encryption` (1 or 0), `primary` (a key id or null) and `keys` (every id); INSTALL answers
    /// the new key's id; USE and REMOVE answer OK. A refused change answers `-ERR` with the
    /// node's reason.
    func keyring(_ args: Arguments) async throws(CommandError) -> CommandOutcome {
        let sub = args.option(1)
        guard
            let spec = CommandTable.spec("keyring")?.subcommands.first(where: { $0.name == "keyring|" + sub })
        else {
            throw .unknownSubcommand(subcommand: args.string(1), command: "keyring")
        }
        guard spec.acceptsArgumentCount(args.count) else { throw .wrongArity(command: spec.name) }
        let request: RESPKeyringRequest
        switch sub {
        case "install": request = .install(base64: args.string(2))
        case "use": request = .use(keyID: args.string(2))
        case "remove": request = .remove(keyID: args.string(2))
        default: request = .list
        }
        let state: RESPKeyringState
        do {
            state = try await backend.keyring(request)
        } catch {
            throw .refused("\(error)")
        }
        switch request {
        case .list:
            return CommandOutcome(
                .fields([
                    ("encryption", .integer(state.encrypting ? 1 : 0)),
                    ("primary", state.primary.map { .bulk($0) } ?? .null),
                    ("keys", .array(state.keys.map { .bulk($0) })),
                ]))
        case .install:
            return CommandOutcome(.bulk(state.subject ?? ""))
        case .use, .remove:
            return CommandOutcome(.ok)
        }
    }
}
