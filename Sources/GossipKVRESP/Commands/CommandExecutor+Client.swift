/// CLIENT ID, SETNAME, GETNAME, SETINFO, INFO and LIST: what client libraries send on connect
/// (redis-py: `CLIENT SETINFO LIB-NAME redis-py`, then `LIB-VER`) and what people read.
extension CommandExecutor {
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
            try setInfo(args, &session)
            return CommandOutcome(.ok)
        case "list":
            return CommandOutcome(.bulk(try clientList(args, session)))
        default:
            return CommandOutcome(.bulk(session.listing.line + "\n"))
        }
    }

    /// LIB-NAME and LIB-VER hold no spaces or control characters (Redis's rule; the names
    /// appear in CLIENT LIST's space-separated fields). An empty value clears the field.
    private func setInfo(_ args: Arguments, _ session: inout ClientSession) throws(CommandError) {
        let value = args[3]
        let attribute = args.option(2)
        guard ["lib-name", "lib-ver"].contains(attribute) else {
            throw .incompatibleOptions("Unrecognized option '\(args.string(2))'")
        }
        guard value.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalidClientAttribute(attribute)
        }
        let text = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        if attribute == "lib-name" { session.libraryName = text } else { session.libraryVersion = text }
    }

    /// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]: one line per open
    /// connection of this server, in id order. This connection is shown as it is now; the
    /// others as they were after their last batch of commands.
    private func clientList(_ args: Arguments, _ session: ClientSession) throws(CommandError) -> String {
        var type: String? = nil
        var ids: Set<Int64>? = nil
        var index = 2
        while index < args.count {
            switch args.option(index) {
            case "type" where index + 1 < args.count:
                type = args.option(index + 1)
                guard ["normal", "master", "replica", "slave", "pubsub"].contains(type ?? "") else {
                    throw .incompatibleOptions("Unknown client type '\(args.string(index + 1))'")
                }
                index += 2
            case "id" where index + 1 < args.count:
                var wanted: Set<Int64> = []
                index += 1
                while index < args.count {
                    guard let id = RESPInteger.parse(args[index]), id > 0 else {
                        throw .incompatibleOptions("Invalid client ID")
                    }
                    wanted.insert(id)
                    index += 1
                }
                ids = wanted
            default:
                throw .syntax
            }
        }
        var listings = server.clientListings
        listings[session.id] = session.listing
        let shown = listings.values.filter { listing in
            if let ids, !ids.contains(listing.id) { return false }
            switch type {
            case "pubsub": return listing.subscriptions > 0
            case "normal": return listing.subscriptions == 0
            case nil: return true
            default: return false  // No replicas or masters: replication is gossip between nodes.
            }
        }
        return shown.sorted { $0.id < $1.id }.map { $0.line + "\n" }.joined()
    }
}

/// What CLIENT INFO and CLIENT LIST show of one connection, in Redis's `field=value` layout.
public struct RESPClientListing: Sendable, Equatable {
    public var id: Int64
    public var address: String
    public var name: String
    public var channels: Int
    public var patterns: Int
    /// Commands queued since MULTI, -1 outside a transaction (Redis's `multi` field).
    public var queued: Int
    public var protocolVersion: RESPProtocolVersion
    public var libraryName: String
    public var libraryVersion: String

    public var subscriptions: Int { channels + patterns }

    /// Redis's flags: `P` subscribed, `x` inside MULTI, `N` neither.
    var flags: String {
        let flags = (subscriptions > 0 ? "P" : "") + (queued >= 0 ? "x" : "")
        return flags.isEmpty ? "N" : flags
    }

    public var line: String {
        [
            "id=\(id)", "addr=\(address)", "name=\(name)", "flags=\(flags)", "db=0", "sub=\(channels)",
            "psub=\(patterns)", "multi=\(queued)", "resp=\(protocolVersion.rawValue)",
            "lib-name=\(libraryName)",
            "lib-ver=\(libraryVersion)",
        ].joined(separator: " ")
    }
}

extension ClientSession {
    public var listing: RESPClientListing {
        RESPClientListing(
            id: id, address: address, name: name ?? "", channels: channels.count, patterns: patterns.count,
            queued: queuedCommands?.count ?? -1, protocolVersion: protocolVersion,
            libraryName: libraryName ?? "",
            libraryVersion: libraryVersion ?? "")
    }
}
