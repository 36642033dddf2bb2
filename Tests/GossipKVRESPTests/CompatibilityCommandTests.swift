import GossipKVCore
import GossipKVRESP
import PropertyBased
import Testing

/// The older string commands, CONFIG GET and AUTH, as Redis 7 answers them.
@Suite("compatibility commands")
struct CompatibilityCommandTests {
    @Test("SETNX writes only an absent key and answers 1 or 0")
    func setnx() async {
        var client = ExecutorHarness()
        #expect(await client.run("SETNX", "k", "1") == .integer(1))
        #expect(await client.run("SETNX", "k", "2") == .integer(0))
        #expect(await client.run("GET", "k") == .b("1"))
        await client.run("PSETEX", "gone", "10", "x")
        await client.backend.advance(milliseconds: 10)
        #expect(await client.run("SETNX", "gone", "back") == .integer(1))
        #expect(await client.run("SETNX", "k") == .error("ERR wrong number of arguments for 'setnx' command"))
    }

    @Test("SETEX and PSETEX set a value with a deadline; a non-positive time is Redis's error")
    func setex() async {
        var client = ExecutorHarness()
        #expect(await client.run("SETEX", "s", "10", "v") == .ok)
        #expect(await client.run("PSETEX", "p", "1500", "w") == .ok)
        #expect(await client.run("PTTL", "s") == .integer(10_000))
        #expect(await client.run("PTTL", "p") == .integer(1_500))
        #expect(await client.run("GET", "p") == .b("w"))
        #expect(
            await client.run("SETEX", "s", "0", "v") == .error("ERR invalid expire time in 'setex' command"))
        #expect(
            await client.run("PSETEX", "s", "-1", "v")
                == .error("ERR invalid expire time in 'psetex' command"))
        #expect(
            await client.run("SETEX", "s", "ten", "v")
                == .error("ERR value is not an integer or out of range"))
        #expect(
            await client.run("SETEX", "s", "9223372036854775807", "v")
                == .error("ERR invalid expire time in 'setex' command"))
        await client.backend.advance(milliseconds: 1_500)
        #expect(await client.run("GET", "p") == .null)
        #expect(await client.run("GET", "s") == .b("v"))
    }

    @Test("GETSET returns the old value and clears the deadline")
    func getset() async {
        var client = ExecutorHarness()
        #expect(await client.run("GETSET", "k", "1") == .null)
        await client.run("EXPIRE", "k", "100")
        #expect(await client.run("GETSET", "k", "2") == .b("1"))
        #expect(await client.run("GET", "k") == .b("2"))
        #expect(await client.run("TTL", "k") == .integer(-1))
    }

    @Test("APPEND returns the new length, creates a missing key and keeps the deadline")
    func append() async {
        var client = ExecutorHarness()
        #expect(await client.run("APPEND", "k", "Hello") == .integer(5))
        #expect(await client.run("APPEND", "k", " World") == .integer(11))
        #expect(await client.run("GET", "k") == .b("Hello World"))
        await client.run("PEXPIRE", "k", "5000")
        #expect(await client.run("APPEND", "k", "!") == .integer(12))
        #expect(await client.run("PTTL", "k") == .integer(5_000))
        await client.backend.advance(milliseconds: 5_000)
        #expect(await client.run("APPEND", "k", "new") == .integer(3))
        #expect(await client.run("TTL", "k") == .integer(-1))
    }

    @Test("GETEX returns the value and sets, moves or removes its deadline")
    func getex() async {
        var client = ExecutorHarness()
        let start = ReplicaBackend.start
        #expect(await client.run("GETEX", "missing", "EX", "5") == .null)
        #expect(await client.run("PTTL", "missing") == .integer(-2))
        await client.run("SET", "k", "v")
        #expect(await client.run("GETEX", "k") == .b("v"))
        #expect(await client.run("TTL", "k") == .integer(-1))
        #expect(await client.run("GETEX", "k", "PX", "2500") == .b("v"))
        #expect(await client.run("PTTL", "k") == .integer(2_500))
        #expect(await client.run("GETEX", "k", "EXAT", String(start / 1000 + 30)) == .b("v"))
        #expect(await client.run("PTTL", "k") == .integer(30_000))
        #expect(await client.run("GETEX", "k", "PERSIST") == .b("v"))
        #expect(await client.run("TTL", "k") == .integer(-1))
        #expect(
            await client.run("GETEX", "k", "EX", "0") == .error("ERR invalid expire time in 'getex' command"))
        #expect(await client.run("GETEX", "k", "EX", "1", "PX", "5") == .error("ERR syntax error"))
        #expect(await client.run("GETEX", "k", "PERSIST", "EX", "1") == .error("ERR syntax error"))
        #expect(await client.run("GETEX", "k", "EX") == .error("ERR syntax error"))
        #expect(await client.run("GETEX", "k", "KEEPTTL") == .error("ERR syntax error"))
        // A deadline in the past deletes the key and still returns the value it had.
        #expect(await client.run("GETEX", "k", "PXAT", String(start - 1)) == .b("v"))
        #expect(await client.run("EXISTS", "k") == .integer(0))
    }

    @Test("MSETNX writes every pair when no key exists, and nothing otherwise")
    func msetnx() async {
        var client = ExecutorHarness()
        #expect(await client.run("MSETNX", "a", "1", "b", "2") == .integer(1))
        #expect(await client.run("MSETNX", "c", "3", "a", "9") == .integer(0))
        #expect(await client.run("MGET", "a", "b", "c") == .array([.b("1"), .b("2"), .null]))
        #expect(
            await client.run("MSETNX", "a", "1", "b")
                == .error("ERR wrong number of arguments for 'msetnx' command"))
    }

    @Test("CONFIG GET answers the parameters clients read at start, by case-insensitive glob")
    func configGet() async {
        var client = ExecutorHarness()
        #expect(await client.run("CONFIG", "GET", "save") == .array([.b("save"), .b("")]))
        #expect(await client.run("config", "get", "APPENDONLY") == .array([.b("appendonly"), .b("no")]))
        #expect(
            await client.run("CONFIG", "GET", "save", "appendonly")
                == .array([.b("appendonly"), .b("no"), .b("save"), .b("")]))
        #expect(
            await client.run("CONFIG", "GET", "maxmemory*")
                == .array([
                    .b("maxmemory"), .b("0"), .b("maxmemory-policy"), .b("noeviction"),
                ]))
        #expect(await client.run("CONFIG", "GET", "no-such-thing") == .array([]))
        #expect(await client.run("CONFIG", "GET", "databases") == .array([.b("databases"), .b("1")]))
        guard case let .error(message) = await client.run("CONFIG", "SET", "save", "") else {
            Issue.record("CONFIG SET was accepted")
            return
        }
        #expect(message.hasPrefix("ERR CONFIG SET is not supported"))
        #expect(message.contains("gossipkv node --help"))
        #expect(
            await client.run("CONFIG", "GET")
                == .error("ERR wrong number of arguments for 'config|get' command"))
        #expect(
            await client.run("CONFIG", "BOGUS") == .error("ERR unknown subcommand 'BOGUS'. Try CONFIG HELP."))
    }

    @Test("AUTH without a configured password gets Redis's exact errors; the default user passes")
    func auth() async {
        var client = ExecutorHarness()
        #expect(
            await client.run("AUTH", "secret")
                == .error(
                    "ERR AUTH <password> called without any password configured for the default user. "
                        + "Are you sure your configuration is correct?"))
        #expect(await client.run("AUTH", "default", "anything") == .ok)
        #expect(
            await client.run("AUTH", "alice", "pw")
                == .error("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(await client.run("AUTH", "a", "b", "c") == .error("ERR syntax error"))
        #expect(await client.run("AUTH") == .error("ERR wrong number of arguments for 'auth' command"))
    }

    @Test("the new commands are in COMMAND's table with docs")
    func commandTable() async {
        var client = ExecutorHarness()
        for name in ["setnx", "setex", "psetex", "getset", "append", "getex", "msetnx", "config", "auth"] {
            guard case let .array(items?) = await client.run("COMMAND", "INFO", name), items.count == 1,
                case let .array(fields?) = items[0]
            else {
                Issue.record("COMMAND INFO \(name) has no entry")
                continue
            }
            #expect(fields.first == .b(name))
        }
    }

    @Test("an expiry reaches subscribers as the `expired` event on both channels")
    func expiredEvent() {
        let entry = Entry(
            key: Array("k".utf8), value: Array("v".utf8), timestamp: HLCTimestamp(physical: 5),
            origin: NodeID(high: 1, low: 1), expiry: HLCTimestamp(physical: 9))
        let change = KeyspaceChange(entry: entry, expired: true)
        #expect(KeyspaceSubscriptions.events(for: change) == ["expired"])
        let subscriber = KeyspaceSubscriptions(
            channels: [Array("__keyevent@0__:expired".utf8)], patterns: [GlobPattern("__keyspace@0__:*")])
        #expect(
            subscriber.messages(for: change) == [
                .push([.b("pmessage"), .b("__keyspace@0__:*"), .b("__keyspace@0__:k"), .b("expired")]),
                .push([.b("message"), .b("__keyevent@0__:expired"), .b("k")]),
            ])
    }
}

@Suite("compatibility commands under random arguments")
struct CompatibilityCommandPropertyTests {
    static let names = [
        "SETNX", "SETEX", "PSETEX", "GETSET", "APPEND", "GETEX", "MSETNX", "CONFIG", "AUTH", "GET", "TTL",
    ]
    static let words = [
        "k", "j", "v", "0", "1", "-1", "100", "9223372036854775807", "-9223372036854775808", "EX", "PX",
        "EXAT",
        "PXAT", "PERSIST", "KEEPTTL", "GET", "SET", "save", "*", "default", "",
    ]

    @Test(
        "any argument list gets a reply (never a trap), and an error reply leaves the key's value as it was")
    func randomArguments() async {
        let command = zip(
            Gen.int(in: 0...(Self.names.count - 1)),
            Gen.int(in: 0...(Self.words.count - 1)).array(of: 0...6))
        await propertyCheck(count: 400, input: command.array(of: 1...8)) { commands in
            var client = ExecutorHarness()
            for (name, arguments) in commands {
                let before = await client.backend.get(Array("k".utf8))
                let reply = await client.run(
                    bytes: [Array(Self.names[name].utf8)] + arguments.map { Array(Self.words[$0].utf8) })
                if case .error = reply {
                    #expect(await client.backend.get(Array("k".utf8)) == before)
                }
            }
        }
    }
}
