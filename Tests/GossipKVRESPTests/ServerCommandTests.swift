import GossipKVCore
import GossipKVRESP
import Testing

@Suite("connection, server and pub/sub commands")
struct ServerCommandTests {
    @Test("PING, ECHO, SELECT, QUIT")
    func connection() async {
        var client = ExecutorHarness()
        #expect(await client.run("PING") == .simpleString("PONG"))
        #expect(await client.run("ping", "hi") == .b("hi"))
        #expect(
            await client.run("PING", "a", "b") == .error("ERR wrong number of arguments for 'ping' command"))
        #expect(await client.run("ECHO", "x y") == .b("x y"))
        #expect(await client.run("SELECT", "0") == .ok)
        #expect(await client.run("SELECT", "1") == .error("ERR DB index is out of range"))
        #expect(await client.run("SELECT", "x") == .error("ERR value is not an integer or out of range"))
        let quit = await client.executor.execute(RESPCommand("QUIT"), session: &client.session)
        #expect(quit == CommandOutcome([.ok], closeAfterReply: true))
    }

    @Test("TIME reports the HLC's physical time as seconds and microseconds")
    func time() async {
        var client = ExecutorHarness()
        let start = ReplicaBackend.start
        #expect(
            await client.run("TIME")
                == .array([.bulk(String(start / 1000)), .bulk(String(start % 1000 * 1000))]))
    }

    @Test("unknown commands are named in the error, with their first arguments")
    func unknownCommand() async {
        var client = ExecutorHarness()
        #expect(
            await client.run("FOO", "a", "b")
                == .error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "))
        #expect(
            await client.run("CLIENT", "KILL") == .error("ERR unknown subcommand 'KILL'. Try CLIENT HELP."))
        #expect(
            await client.run("CLIENT", "SETNAME")
                == .error("ERR wrong number of arguments for 'client|setname' command"))
    }

    @Test("CLIENT ID, SETNAME, GETNAME, SETINFO, INFO")
    func clientCommands() async {
        var client = ExecutorHarness()
        #expect(await client.run("CLIENT", "ID") == .integer(client.session.id))
        #expect(await client.run("CLIENT", "GETNAME") == .null)
        #expect(await client.run("CLIENT", "SETNAME", "worker-1") == .ok)
        #expect(await client.run("client", "getname") == .b("worker-1"))
        #expect(
            await client.run("CLIENT", "SETNAME", "has space")
                == .error(
                    "ERR Client names cannot contain spaces, newlines or special characters."))
        #expect(await client.run("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == .ok)
        let info = await client.run("CLIENT", "INFO").text ?? ""
        #expect(
            info.contains("name=worker-1") && info.contains("lib-name=redis-py")
                && info.contains("id=\(client.session.id)"))
        #expect(await client.run("CLIENT", "SETNAME", "") == .ok)
        #expect(await client.run("CLIENT", "GETNAME") == .null)
    }

    @Test("HELLO 2 answers the handshake as a flat array; other versions are refused with NOPROTO")
    func hello() async {
        var client = ExecutorHarness()
        guard case let .array(items?) = await client.run("HELLO", "2", "SETNAME", "me") else {
            Issue.record("HELLO did not answer an array")
            return
        }
        #expect(items.count == 14)
        #expect(items.first == .b("server") && items.contains(.b("proto")) && items.contains(.integer(2)))
        #expect(client.session.name == "me")
        for version in ["1", "4", "-3"] {
            #expect(
                await client.run("HELLO", version)
                    == .error("NOPROTO sorry, this protocol version is not supported"),
                "HELLO \(version)")
        }
        #expect(
            await client.run("HELLO", "x") == .error("ERR Protocol version is not an integer or out of range")
        )
        #expect(client.session.protocolVersion == .resp2)
    }

    @Test("COMMAND COUNT, INFO and DOCS describe the table in Redis 7's shapes")
    func commandTable() async {
        var client = ExecutorHarness()
        guard case let .integer(count) = await client.run("COMMAND", "COUNT") else {
            Issue.record("COMMAND COUNT is not an integer")
            return
        }
        guard case let .array(all?) = await client.run("COMMAND") else {
            Issue.record("COMMAND is not an array")
            return
        }
        #expect(all.count == Int(count) && count >= 40)
        guard case let .array(getInfo?) = await client.run("COMMAND", "INFO", "get", "nope"),
            case let .array(get?) = getInfo.first
        else {
            Issue.record("COMMAND INFO get is not an array")
            return
        }
        #expect(
            Array(get.prefix(6)) == [
                .b("get"), .integer(2), .array([.simpleString("readonly"), .simpleString("fast")]),
                .integer(1), .integer(1), .integer(1),
            ])
        #expect(getInfo.last == .array(nil))
        guard case let .array(docs?) = await client.run("COMMAND", "DOCS", "set", "client") else {
            Issue.record("COMMAND DOCS is not an array")
            return
        }
        #expect(docs.count == 4 && docs[0] == .b("set") && docs[2] == .b("client"))
        guard case let .array(setDocs?) = docs[1] else {
            Issue.record("set docs are not a map")
            return
        }
        #expect(setDocs.first == .b("summary"))
        #expect(setDocs.contains(.b("arguments")))
        guard case let .array(clientDocs?) = docs[3],
            let index = clientDocs.firstIndex(of: .b("subcommands")),
            case let .array(subcommands?) = clientDocs[index + 1]
        else {
            Issue.record("client docs have no subcommands")
            return
        }
        #expect(subcommands.contains(.b("client|setname")))
        #expect(
            await client.run("COMMAND", "NOPE") == .error("ERR unknown subcommand 'NOPE'. Try COMMAND HELP."))
    }

    @Test(
        "COMMAND DOCS: every argument has a name and a type, and flags are status replies (redis-cli asserts this)"
    )
    func docsAreWellFormed() async {
        var client = ExecutorHarness()
        guard case let .array(docs?) = await client.run("COMMAND", "DOCS") else {
            Issue.record("COMMAND DOCS is not an array")
            return
        }
        func checkArguments(_ value: RESPValue) {
            guard case let .array(arguments?) = value else { Issue.record("arguments not an array"); return }
            for argument in arguments {
                guard case let .array(fields?) = argument else { Issue.record("argument not a map"); return }
                let names = stride(from: 0, to: fields.count, by: 2).map { fields[$0] }
                #expect(names.contains(.b("name")) && names.contains(.b("type")))
                for index in stride(from: 0, to: fields.count, by: 2) {
                    if fields[index] == .b("flags"), case let .array(flags?) = fields[index + 1] {
                        #expect(flags.allSatisfy { if case .simpleString = $0 { true } else { false } })
                    }
                    if fields[index] == .b("arguments") { checkArguments(fields[index + 1]) }
                }
            }
        }
        for index in stride(from: 1, to: docs.count, by: 2) {
            guard case let .array(fields?) = docs[index] else { Issue.record("docs entry not a map"); return }
            for field in stride(from: 0, to: fields.count, by: 2) where fields[field] == .b("arguments") {
                checkArguments(fields[field + 1])
            }
        }
    }

    @Test("INFO reports server, clients, keyspace and the cluster: members, HLC, state hash, lag")
    func info() async {
        var client = ExecutorHarness()
        await client.run("MSET", "a", "1", "b", "2")
        await client.run("EXPIRE", "a", "100")
        let all = await client.run("INFO").text ?? ""
        for line in [
            "# Server", "redis_version:7.0.0", "# Clients", "maxclients:5", "# Keyspace",
            "db0:keys=2,expires=1,avg_ttl=0", "# Cluster", "cluster_enabled:0", "node_name:test-node",
            "members:2",
            "members_alive:1", "gossip_rounds:7",
        ] {
            #expect(all.contains(line + "\r\n"), "missing \(line)")
        }
        let stateHash = await client.backend.clusterInfo().stateHash
        #expect(
            all.contains(
                "state_hash:" + String(repeating: "0", count: 16 - String(stateHash, radix: 16).count)
                    + String(stateHash, radix: 16)))
        #expect(
            all.contains(
                "member1:id=00000000000000bb,name=peer,addr=127.0.0.1:7102,state=suspect,self=0,lag_entries=3,lag_ms=120"
            ))
        let cluster = await client.run("INFO", "CLUSTER").text ?? ""
        #expect(cluster.hasPrefix("# Cluster\r\n") && !cluster.contains("# Server"))
    }

    @Test("MEMBERS lists every member as a field/value array")
    func members() async {
        var client = ExecutorHarness()
        guard case let .array(members?) = await client.run("MEMBERS"), members.count == 2,
            case let .array(peer?) = members[1]
        else {
            Issue.record("MEMBERS is not an array of two members")
            return
        }
        #expect(
            peer == [
                .b("id"), .b("00000000000000bb"), .b("name"), .b("peer"), .b("address"), .b("127.0.0.1:7102"),
                .b("state"), .b("suspect"), .b("self"), .integer(0), .b("lag_entries"), .integer(3),
                .b("lag_ms"), .integer(120),
            ])
    }

    @Test("SUBSCRIBE answers once per channel; a subscribed client may only (un)subscribe, PING and QUIT")
    func subscribeContext() async {
        var client = ExecutorHarness()
        let replies = await client.replies([
            Array("SUBSCRIBE".utf8), Array("__keyspace@0__:a".utf8), Array("x".utf8),
        ])
        #expect(
            replies == [
                .array([.b("subscribe"), .b("__keyspace@0__:a"), .integer(1)]),
                .array([.b("subscribe"), .b("x"), .integer(2)]),
            ])
        #expect(
            await client.run("PSUBSCRIBE", "__keyspace@0__:*")
                == .array([.b("psubscribe"), .b("__keyspace@0__:*"), .integer(3)]))
        #expect(
            await client.run("GET", "a")
                == .error(
                    "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                ))
        #expect(await client.run("PING") == .array([.b("pong"), .b("")]))
        #expect(
            await client.run("UNSUBSCRIBE")
                == .array([
                    .array([.b("unsubscribe"), .b("__keyspace@0__:a"), .integer(2)]),
                    .array([.b("unsubscribe"), .b("x"), .integer(1)]),
                ]))
        #expect(
            await client.run("PUNSUBSCRIBE", "__keyspace@0__:*")
                == .array([.b("punsubscribe"), .b("__keyspace@0__:*"), .integer(0)]))
        #expect(await client.run("UNSUBSCRIBE") == .array([.b("unsubscribe"), .null, .integer(0)]))
        #expect(await client.run("GET", "a") == .null)
    }

    @Test("a change becomes keyspace and keyevent messages for matching channels and patterns")
    func keyspaceMessages() {
        let set = Entry(
            key: Array("k".utf8), value: [1], timestamp: HLCTimestamp(physical: 5),
            origin: NodeID(high: 1, low: 1))
        var expiring = set
        expiring.expiry = HLCTimestamp(physical: 9)
        var deleted = set
        deleted.value = nil
        #expect(KeyspaceSubscriptions.events(for: set) == ["set"])
        #expect(KeyspaceSubscriptions.events(for: expiring) == ["set", "expire"])
        #expect(KeyspaceSubscriptions.events(for: deleted) == ["del"])
        let subscriber = KeyspaceSubscriptions(
            channels: [Array("__keyevent@0__:del".utf8)], patterns: [GlobPattern("__keyspace@0__:*")])
        #expect(
            subscriber.messages(for: set) == [
                .push([.b("pmessage"), .b("__keyspace@0__:*"), .b("__keyspace@0__:k"), .b("set")])
            ])
        #expect(
            subscriber.messages(for: deleted) == [
                .push([.b("pmessage"), .b("__keyspace@0__:*"), .b("__keyspace@0__:k"), .b("del")]),
                .push([.b("message"), .b("__keyevent@0__:del"), .b("k")]),
            ])
    }
}
