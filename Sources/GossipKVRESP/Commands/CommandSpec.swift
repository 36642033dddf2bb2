/// What the server knows about one command: enough to check its arity before running it, and
/// to answer COMMAND, COMMAND INFO and COMMAND DOCS the way Redis 7 does, so `redis-cli` shows
/// argument hints and clients that read the command table work.
struct CommandSpec: Sendable {
    /// Lower case; a subcommand is `container|sub`, as Redis names them.
    let name: String
    /// Redis arity: N means exactly N words (the name included), -N means at least N.
    let arity: Int
    let flags: [String]
    let firstKey: Int
    let lastKey: Int
    let keyStep: Int
    let group: String
    let since: String
    let summary: String
    let complexity: String
    let arguments: [ArgumentDoc]
    let subcommands: [CommandSpec]

    init(
        _ name: String, arity: Int, flags: [String], keys: (Int, Int, Int) = (0, 0, 0), group: String,
        since: String = "1.0.0", summary: String, complexity: String = "O(1)", arguments: [ArgumentDoc] = [],
        subcommands: [CommandSpec] = []
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        (firstKey, lastKey, keyStep) = keys
        self.group = group
        self.since = since
        self.summary = summary
        self.complexity = complexity
        self.arguments = arguments
        self.subcommands = subcommands
    }

    func acceptsArgumentCount(_ count: Int) -> Bool {
        arity >= 0 ? count == arity : count >= -arity
    }

    /// The name as shown to people: `client|setname` becomes `CLIENT SETNAME`.
    var displayName: String { name.split(separator: "|").joined(separator: " ").uppercased() }

    /// COMMAND INFO's reply for this command (Redis 7 layout, RESP2).
    var info: RESPValue {
        .array([
            .bulk(name), .integer(Int64(arity)), .array(flags.map { .simpleString($0) }),
            .integer(Int64(firstKey)), .integer(Int64(lastKey)), .integer(Int64(keyStep)),
            .array([]), .array([]), .array([]), .array(subcommands.map(\.info)),
        ])
    }

    /// COMMAND DOCS's reply for this command. `redis-cli` asserts on the types: summary, since
    /// and group are bulk strings, arguments an array of maps, subcommands a map.
    var docs: RESPValue {
        var pairs: [(String, RESPValue)] = [
            ("summary", .bulk(summary)), ("since", .bulk(since)), ("group", .bulk(group)),
            ("complexity", .bulk(complexity)),
        ]
        if !arguments.isEmpty { pairs.append(("arguments", .array(arguments.map(\.docs)))) }
        if !subcommands.isEmpty {
            pairs.append(("subcommands", .fields(subcommands.map { ($0.name, $0.docs) })))
        }
        return .fields(pairs)
    }
}

/// One argument in COMMAND DOCS. Types are Redis's: key, string, integer, pattern, unix-time,
/// pure-token, oneof, block.
struct ArgumentDoc: Sendable {
    let name: String
    let type: String
    let token: String?
    let optional: Bool
    let multiple: Bool
    let arguments: [ArgumentDoc]

    init(
        _ name: String, _ type: String, token: String? = nil, optional: Bool = false, multiple: Bool = false,
        _ arguments: [ArgumentDoc] = []
    ) {
        self.name = name
        self.type = type
        self.token = token
        self.optional = optional
        self.multiple = multiple
        self.arguments = arguments
    }

    static func key(_ name: String = "key", multiple: Bool = false) -> ArgumentDoc {
        ArgumentDoc(name, "key", multiple: multiple)
    }

    static func pureToken(_ token: String) -> ArgumentDoc {
        ArgumentDoc(token.lowercased(), "pure-token", token: token)
    }

    var docs: RESPValue {
        var pairs: [(String, RESPValue)] = [("name", .bulk(name)), ("type", .bulk(type))]
        if let token { pairs.append(("token", .bulk(token))) }
        var flags: [RESPValue] = []
        if optional { flags.append(.simpleString("optional")) }
        if multiple { flags.append(.simpleString("multiple")) }
        if !flags.isEmpty { pairs.append(("flags", .array(flags))) }
        if !arguments.isEmpty { pairs.append(("arguments", .array(arguments.map(\.docs)))) }
        return .fields(pairs)
    }
}
