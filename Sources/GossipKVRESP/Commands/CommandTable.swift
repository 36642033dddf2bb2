/// Every command the server answers, with Redis's arity, flags, key positions and docs.
enum CommandTable {
    static let all: [CommandSpec] =
        connection + strings + stringVariants + keyspace + expiry + server + admin + pubsub + transactions

    static let byName: [String: CommandSpec] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    static func spec(_ name: String) -> CommandSpec? { byName[name] }

    static let ro = ["readonly", "fast"]
    static let rw = ["write", "denyoom"]
    static let rwFast = ["write", "fast"]
    static let oneKey = (1, 1, 1)

    private static let expireCondition = ArgumentDoc(
        "condition", "oneof", optional: true,
        [.pureToken("NX"), .pureToken("XX"), .pureToken("GT"), .pureToken("LT")])

    static let strings: [CommandSpec] = [
        CommandSpec(
            "get", arity: 2, flags: ro, keys: oneKey, group: "string",
            summary: "Returns the string value of a key.",
            arguments: [.key()]),
        CommandSpec(
            "set", arity: -3, flags: rw, keys: oneKey, group: "string",
            summary:
                "Sets the string value of a key. Conditions and GET read the local replica (last writer wins).",
            arguments: [
                .key(), ArgumentDoc("value", "string"),
                ArgumentDoc("condition", "oneof", optional: true, [.pureToken("NX"), .pureToken("XX")]),
                ArgumentDoc("get", "pure-token", token: "GET", optional: true),
                ArgumentDoc(
                    "expiration", "oneof", optional: true,
                    [
                        ArgumentDoc("seconds", "integer", token: "EX"),
                        ArgumentDoc("milliseconds", "integer", token: "PX"),
                        ArgumentDoc("unix-time-seconds", "unix-time", token: "EXAT"),
                        ArgumentDoc("unix-time-milliseconds", "unix-time", token: "PXAT"),
                        .pureToken("KEEPTTL"),
                    ]),
            ]),
        CommandSpec(
            "getdel", arity: 2, flags: rwFast, keys: oneKey, group: "string", since: "6.2.0",
            summary: "Returns the string value of a key after deleting the key.", arguments: [.key()]),
        CommandSpec(
            "mget", arity: -2, flags: ro, keys: (1, -1, 1), group: "string",
            summary: "Atomically returns the string values of one or more keys.", complexity: "O(N)",
            arguments: [.key(multiple: true)]),
        CommandSpec(
            "mset", arity: -3, flags: rw, keys: (1, -1, 2), group: "string",
            summary: "Sets the string values of multiple keys (one write, and one HLC tick, per key).",
            complexity: "O(N)",
            arguments: [
                ArgumentDoc("data", "block", multiple: true, [.key(), ArgumentDoc("value", "string")])
            ]),
        CommandSpec(
            "incr", arity: 2, flags: rw + ["fast"], keys: oneKey, group: "string",
            summary:
                "Increments the integer value of a key by one (a last-writer-wins read-modify-write, not a counter CRDT).",
            arguments: [.key()]),
        CommandSpec(
            "decr", arity: 2, flags: rw + ["fast"], keys: oneKey, group: "string",
            summary: "Decrements the integer value of a key by one (last-writer-wins read-modify-write).",
            arguments: [.key()]),
        CommandSpec(
            "incrby", arity: 3, flags: rw + ["fast"], keys: oneKey, group: "string",
            summary:
                "Increments the integer value of a key by a number (last-writer-wins read-modify-write).",
            arguments: [.key(), ArgumentDoc("increment", "integer")]),
        CommandSpec(
            "decrby", arity: 3, flags: rw + ["fast"], keys: oneKey, group: "string",
            summary:
                "Decrements the integer value of a key by a number (last-writer-wins read-modify-write).",
            arguments: [.key(), ArgumentDoc("decrement", "integer")]),
        CommandSpec(
            "strlen", arity: 2, flags: ro, keys: oneKey, group: "string", since: "2.2.0",
            summary: "Returns the length of a string value.", arguments: [.key()]),
    ]

    static let keyspace: [CommandSpec] = [
        CommandSpec(
            "del", arity: -2, flags: ["write"], keys: (1, -1, 1), group: "generic",
            summary: "Deletes one or more keys (tombstones).",
            complexity: "O(N)", arguments: [.key(multiple: true)]),
        CommandSpec(
            "unlink", arity: -2, flags: ["write", "fast"], keys: (1, -1, 1), group: "generic", since: "4.0.0",
            summary: "Deletes one or more keys (the same as DEL here).", complexity: "O(N)",
            arguments: [.key(multiple: true)]),
        CommandSpec(
            "exists", arity: -2, flags: ro, keys: (1, -1, 1), group: "generic", since: "3.0.3",
            summary: "Determines whether one or more keys exist.", complexity: "O(N)",
            arguments: [.key(multiple: true)]),
        CommandSpec(
            "type", arity: 2, flags: ro, keys: oneKey, group: "generic",
            summary: "Determines the type of value stored at a key.",
            arguments: [.key()]),
        CommandSpec(
            "keys", arity: 2, flags: ["readonly"], group: "generic",
            summary: "Returns all key names that match a pattern.",
            complexity: "O(N)", arguments: [ArgumentDoc("pattern", "pattern")]),
        CommandSpec(
            "scan", arity: -2, flags: ["readonly"], group: "generic", since: "2.8.0",
            summary: "Iterates over the key names in the database.",
            complexity: "O(1) for every call. O(N) for a complete iteration.",
            arguments: [
                ArgumentDoc("cursor", "integer"),
                ArgumentDoc("pattern", "pattern", token: "MATCH", optional: true),
                ArgumentDoc("count", "integer", token: "COUNT", optional: true),
                ArgumentDoc("type", "string", token: "TYPE", optional: true),
            ]),
        CommandSpec(
            "dbsize", arity: 1, flags: ro, group: "server",
            summary: "Returns the number of keys in the database."),
        CommandSpec(
            "flushdb", arity: -1, flags: ["write"], group: "server",
            summary: "Deletes every key (each becomes a replicated tombstone).", complexity: "O(N)",
            arguments: [
                ArgumentDoc("flush-type", "oneof", optional: true, [.pureToken("ASYNC"), .pureToken("SYNC")])
            ]),
        CommandSpec(
            "flushall", arity: -1, flags: ["write"], group: "server",
            summary: "Deletes every key (each becomes a replicated tombstone).", complexity: "O(N)",
            arguments: [
                ArgumentDoc("flush-type", "oneof", optional: true, [.pureToken("ASYNC"), .pureToken("SYNC")])
            ]),
    ]

    static let expiry: [CommandSpec] = [
        CommandSpec(
            "expire", arity: -3, flags: rwFast, keys: oneKey, group: "generic",
            summary:
                "Sets the expiration time of a key in seconds (an HLC deadline, the same on every replica).",
            arguments: [.key(), ArgumentDoc("seconds", "integer"), expireCondition]),
        CommandSpec(
            "pexpire", arity: -3, flags: rwFast, keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key in milliseconds.",
            arguments: [.key(), ArgumentDoc("milliseconds", "integer"), expireCondition]),
        CommandSpec(
            "expireat", arity: -3, flags: rwFast, keys: oneKey, group: "generic", since: "1.2.0",
            summary: "Sets the expiration time of a key to a Unix timestamp.",
            arguments: [.key(), ArgumentDoc("unix-time-seconds", "unix-time"), expireCondition]),
        CommandSpec(
            "pexpireat", arity: -3, flags: rwFast, keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.",
            arguments: [.key(), ArgumentDoc("unix-time-milliseconds", "unix-time"), expireCondition]),
        CommandSpec(
            "ttl", arity: 2, flags: ro, keys: oneKey, group: "generic",
            summary: "Returns the expiration time in seconds of a key.",
            arguments: [.key()]),
        CommandSpec(
            "pttl", arity: 2, flags: ro, keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Returns the expiration time in milliseconds of a key.", arguments: [.key()]),
        CommandSpec(
            "expiretime", arity: 2, flags: ro, keys: oneKey, group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix timestamp.", arguments: [.key()]),
        CommandSpec(
            "pexpiretime", arity: 2, flags: ro, keys: oneKey, group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
            arguments: [.key()]),
        CommandSpec(
            "persist", arity: 2, flags: rwFast, keys: oneKey, group: "generic", since: "2.2.0",
            summary: "Removes the expiration time of a key.", arguments: [.key()]),
    ]

    static let server: [CommandSpec] = [
        CommandSpec(
            "info", arity: -1, flags: ["loading", "stale"], group: "server",
            summary: "Returns information and statistics about the server and its cluster.",
            arguments: [ArgumentDoc("section", "string", optional: true, multiple: true)]),
        CommandSpec(
            "time", arity: 1, flags: ["loading", "stale", "fast"], group: "server", since: "2.6.0",
            summary: "Returns the server's time (the physical part of its hybrid logical clock)."),
        CommandSpec(
            "members", arity: 1, flags: ["readonly", "loading", "stale"], group: "cluster", since: "0.1.0",
            summary: "Returns the cluster's members: id, name, address, state and replication lag.",
            complexity: "O(N)"),
        CommandSpec(
            "keyring", arity: -2, flags: ["admin", "noscript", "loading", "stale"], group: "cluster",
            since: "0.2.0",
            summary: "Lists or changes the node's gossip encryption keys (`gossipkv keyring`).",
            subcommands: [
                CommandSpec(
                    "keyring|list", arity: 2, flags: ["admin", "noscript", "loading", "stale"],
                    group: "cluster",
                    since: "0.2.0",
                    summary: "Returns whether gossip is encrypted, the primary key id and every key id."),
                CommandSpec(
                    "keyring|install", arity: 3, flags: ["admin", "noscript", "loading", "stale"],
                    group: "cluster",
                    since: "0.2.0", summary: "Installs a 32-byte key given in base64; returns its id.",
                    arguments: [ArgumentDoc("key", "string")]),
                CommandSpec(
                    "keyring|use", arity: 3, flags: ["admin", "noscript", "loading", "stale"],
                    group: "cluster",
                    since: "0.2.0", summary: "Makes an installed key the one this node encrypts with.",
                    arguments: [ArgumentDoc("key-id", "string")]),
                CommandSpec(
                    "keyring|remove", arity: 3, flags: ["admin", "noscript", "loading", "stale"],
                    group: "cluster",
                    since: "0.2.0", summary: "Removes an installed key other than the primary.",
                    arguments: [ArgumentDoc("key-id", "string")]),
            ]),
        CommandSpec(
            "command", arity: -1, flags: ["loading", "stale"], group: "server", since: "2.8.13",
            summary: "Returns detailed information about all commands.", complexity: "O(N)",
            subcommands: [
                CommandSpec(
                    "command|count", arity: 2, flags: ["loading", "stale"], group: "server", since: "2.8.13",
                    summary: "Returns a count of commands."),
                CommandSpec(
                    "command|docs", arity: -2, flags: ["loading", "stale"], group: "server", since: "7.0.0",
                    summary: "Returns documentary information about one, multiple or all commands.",
                    complexity: "O(N)",
                    arguments: [ArgumentDoc("command-name", "string", optional: true, multiple: true)]),
                CommandSpec(
                    "command|info", arity: -2, flags: ["loading", "stale"], group: "server", since: "2.8.13",
                    summary: "Returns information about one, multiple or all commands.", complexity: "O(N)",
                    arguments: [ArgumentDoc("command-name", "string", optional: true, multiple: true)]),
                CommandSpec(
                    "command|list", arity: -2, flags: ["loading", "stale"], group: "server", since: "7.0.0",
                    summary: "Returns a list of command names.", complexity: "O(N)"),
            ]),
    ]

    static let pubsub: [CommandSpec] = [
        CommandSpec(
            "subscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale"], group: "pubsub",
            since: "2.0.0",
            summary:
                "Listens for messages on channels (keyspace notifications: __keyspace@0__:<key>, __keyevent@0__:<event>).",
            complexity: "O(N)", arguments: [ArgumentDoc("channel", "string", multiple: true)]),
        CommandSpec(
            "psubscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale"], group: "pubsub",
            since: "2.0.0",
            summary: "Listens for messages on channels that match patterns.", complexity: "O(N)",
            arguments: [ArgumentDoc("pattern", "pattern", multiple: true)]),
        CommandSpec(
            "unsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale"], group: "pubsub",
            since: "2.0.0",
            summary: "Stops listening to messages posted to channels.", complexity: "O(N)",
            arguments: [ArgumentDoc("channel", "string", optional: true, multiple: true)]),
        CommandSpec(
            "punsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale"], group: "pubsub",
            since: "2.0.0",
            summary: "Stops listening to messages published to channels that match patterns.",
            complexity: "O(N)",
            arguments: [ArgumentDoc("pattern", "pattern", optional: true, multiple: true)]),
    ]
}
