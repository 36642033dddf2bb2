/// Connection and transaction commands: the handshake, CLIENT, MULTI/EXEC.
extension CommandTable {
    static let connection: [CommandSpec] = [
        CommandSpec(
            "ping", arity: -1, flags: ["fast", "stale"], group: "connection",
            summary: "Returns the server's liveliness response.",
            arguments: [ArgumentDoc("message", "string", optional: true)]),
        CommandSpec(
            "echo", arity: 2, flags: ["fast"], group: "connection", summary: "Returns the given string.",
            arguments: [ArgumentDoc("message", "string")]),
        CommandSpec(
            "select", arity: 2, flags: ["loading", "stale", "fast"], group: "connection",
            summary: "Changes the selected database (only database 0 exists).",
            arguments: [ArgumentDoc("index", "integer")]),
        CommandSpec(
            "hello", arity: -1, flags: ["noscript", "loading", "stale", "fast", "no_auth"],
            group: "connection", since: "6.0.0",
            summary: "Handshakes with the server: chooses RESP2 or RESP3 for the connection.",
            arguments: [
                ArgumentDoc(
                    "arguments", "block", optional: true,
                    [
                        ArgumentDoc("protover", "integer"),
                        ArgumentDoc(
                            "auth", "block", token: "AUTH", optional: true,
                            [ArgumentDoc("username", "string"), ArgumentDoc("password", "string")]),
                        ArgumentDoc("clientname", "string", token: "SETNAME", optional: true),
                    ])
            ]),
        CommandSpec(
            "quit", arity: -1, flags: ["noscript", "loading", "stale", "fast", "no_auth"],
            group: "connection",
            summary: "Closes the connection."),
        CommandSpec(
            "client", arity: -2, flags: [], group: "connection", since: "2.4.0",
            summary: "A container for client connection commands.",
            subcommands: [
                CommandSpec(
                    "client|id", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection",
                    since: "5.0.0",
                    summary: "Returns the unique client ID of the connection."),
                CommandSpec(
                    "client|setname", arity: 3, flags: ["noscript", "loading", "stale"], group: "connection",
                    since: "2.6.9",
                    summary: "Sets the connection name.",
                    arguments: [ArgumentDoc("connection-name", "string")]),
                CommandSpec(
                    "client|getname", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection",
                    since: "2.6.9",
                    summary: "Returns the name of the connection."),
                CommandSpec(
                    "client|setinfo", arity: 4, flags: ["noscript", "loading", "stale"], group: "connection",
                    since: "7.2.0",
                    summary: "Sets information specific to the client or connection.",
                    arguments: [
                        ArgumentDoc(
                            "attr", "oneof",
                            [
                                ArgumentDoc("libname", "string", token: "LIB-NAME"),
                                ArgumentDoc("libver", "string", token: "LIB-VER"),
                            ])
                    ]),
                CommandSpec(
                    "client|info", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection",
                    since: "6.2.0",
                    summary: "Returns information about the connection."),
                CommandSpec(
                    "client|list", arity: -2, flags: ["admin", "noscript", "loading", "stale"],
                    group: "connection",
                    since: "2.4.0",
                    summary: "Lists the open connections.", complexity: "O(N)",
                    arguments: [
                        ArgumentDoc(
                            "client-type", "oneof", token: "TYPE", optional: true,
                            [
                                .pureToken("NORMAL"), .pureToken("MASTER"), .pureToken("REPLICA"),
                                .pureToken("PUBSUB"),
                            ]),
                        ArgumentDoc("client-id", "integer", token: "ID", optional: true, multiple: true),
                    ]),
            ]),
    ]

    static let transactions: [CommandSpec] = [
        CommandSpec(
            "multi", arity: 1, flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
            group: "transactions",
            since: "1.2.0",
            summary:
                "Starts a transaction: later commands are queued until EXEC (applied back to back on this node)."
        ),
        CommandSpec(
            "exec", arity: 1, flags: ["noscript", "loading", "stale", "skip_slowlog"], group: "transactions",
            since: "1.2.0",
            summary:
                "Runs the queued commands back to back; each write is its own entry with its own HLC tick.",
            complexity: "O(N)"),
        CommandSpec(
            "discard", arity: 1, flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
            group: "transactions", since: "2.0.0",
            summary: "Discards the queued commands.", complexity: "O(N)"),
        CommandSpec(
            "watch", arity: -2, flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
            group: "transactions",
            since: "2.2.0",
            summary: "Refused: a replica cannot promise that a key did not change elsewhere in the cluster.",
            arguments: [.key(multiple: true)]),
        CommandSpec(
            "unwatch", arity: 1, flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
            group: "transactions", since: "2.2.0",
            summary: "Forgets watched keys (none can be watched, so it only answers OK)."),
    ]
}
