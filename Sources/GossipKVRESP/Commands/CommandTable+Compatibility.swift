/// Commands kept for the clients and tools that send them: Redis's older string shorthands,
/// CONFIG GET (read by redis-benchmark and some libraries at start) and AUTH.
extension CommandTable {
    private static let expiration = ArgumentDoc(
        "expiration", "oneof", optional: true,
        [
            ArgumentDoc("seconds", "integer", token: "EX"),
            ArgumentDoc("milliseconds", "integer", token: "PX"),
            ArgumentDoc("unix-time-seconds", "unix-time", token: "EXAT"),
            ArgumentDoc("unix-time-milliseconds", "unix-time", token: "PXAT"),
            .pureToken("PERSIST"),
        ])

    static let stringVariants: [CommandSpec] = [
        CommandSpec(
            "setnx", arity: 3, flags: rwFast, keys: oneKey, group: "string",
            summary:
                "Sets the string value of a key only when the key doesn't exist (read on the local replica).",
            arguments: [.key(), ArgumentDoc("value", "string")]),
        CommandSpec(
            "setex", arity: 4, flags: rw, keys: oneKey, group: "string", since: "2.0.0",
            summary: "Sets the string value and expiration time of a key.",
            arguments: [.key(), ArgumentDoc("seconds", "integer"), ArgumentDoc("value", "string")]),
        CommandSpec(
            "psetex", arity: 4, flags: rw, keys: oneKey, group: "string", since: "2.6.0",
            summary: "Sets both string value and expiration time in milliseconds of a key.",
            arguments: [.key(), ArgumentDoc("milliseconds", "integer"), ArgumentDoc("value", "string")]),
        CommandSpec(
            "getset", arity: 3, flags: rw, keys: oneKey, group: "string",
            summary: "Returns the previous string value of a key after setting it to a new value.",
            arguments: [.key(), ArgumentDoc("value", "string")]),
        CommandSpec(
            "append", arity: 3, flags: rw, keys: oneKey, group: "string", since: "2.0.0",
            summary:
                "Appends a string to the value of a key (writes the whole new value). Creates the key if needed.",
            arguments: [.key(), ArgumentDoc("value", "string")]),
        CommandSpec(
            "getex", arity: -2, flags: ["write", "fast"], keys: oneKey, group: "string", since: "6.2.0",
            summary: "Returns the string value of a key after setting its expiration time.",
            arguments: [.key(), expiration]),
        CommandSpec(
            "msetnx", arity: -3, flags: rw, keys: (1, -1, 2), group: "string", since: "1.0.1",
            summary: "Sets multiple keys only when none of them exists (checked on the local replica).",
            complexity: "O(N)",
            arguments: [
                ArgumentDoc("data", "block", multiple: true, [.key(), ArgumentDoc("value", "string")])
            ]),
    ]

    static let admin: [CommandSpec] = [
        CommandSpec(
            "config", arity: -2, flags: [], group: "server", since: "2.0.0",
            summary: "A container for server configuration commands.",
            subcommands: [
                CommandSpec(
                    "config|get", arity: -3, flags: ["admin", "noscript", "loading", "stale"],
                    group: "server",
                    since: "2.0.0",
                    summary: "Returns the effective values of configuration parameters (read-only here).",
                    complexity: "O(N)",
                    arguments: [ArgumentDoc("parameter", "string", multiple: true)]),
                CommandSpec(
                    "config|set", arity: -4, flags: ["admin", "noscript", "loading", "stale"],
                    group: "server",
                    since: "2.0.0",
                    summary: "Refused: a node is configured by flags, environment or config file.",
                    arguments: [
                        ArgumentDoc(
                            "data", "block", multiple: true,
                            [ArgumentDoc("parameter", "string"), ArgumentDoc("value", "string")])
                    ]),
                CommandSpec(
                    "config|resetstat", arity: 2, flags: ["admin", "noscript", "loading", "stale"],
                    group: "server", since: "2.0.0",
                    summary: "Refused: counters live as long as the node."),
            ]),
        CommandSpec(
            "auth", arity: -2, flags: ["noscript", "loading", "stale", "fast", "no_auth"],
            group: "connection",
            summary: "Authenticates the connection (only the default user exists; see --requirepass-file).",
            arguments: [
                ArgumentDoc("username", "string", optional: true), ArgumentDoc("password", "string"),
            ]),
    ]
}
