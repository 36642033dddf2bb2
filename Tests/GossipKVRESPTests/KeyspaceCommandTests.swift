import GossipKVCore
import GossipKVRESP
import PropertyBased
import Testing

@Suite("keyspace and expiry commands")
struct KeyspaceCommandTests {
    @Test("DEL counts live keys and writes tombstones only for them; EXISTS and TYPE see the result")
    func deleteExists() async {
        var client = ExecutorHarness()
        await client.run("MSET", "a", "1", "b", "2")
        #expect(await client.run("EXISTS", "a", "a", "b", "c") == .integer(3))
        #expect(await client.run("TYPE", "a") == .simpleString("string"))
        #expect(await client.run("DEL", "a", "c", "a") == .integer(1))
        #expect(await client.run("UNLINK", "b") == .integer(1))
        #expect(await client.run("TYPE", "a") == .simpleString("none"))
        #expect(await client.backend.entry(Array("a".utf8))?.isTombstone == true)
        #expect(await client.backend.entry(Array("c".utf8)) == nil)
    }

    @Test("EXPIRE family sets, conditions and removes deadlines")
    func expireFamily() async {
        var client = ExecutorHarness()
        let start = ReplicaBackend.start
        await client.run("SET", "k", "v")
        #expect(await client.run("TTL", "k") == .integer(-1))
        #expect(await client.run("TTL", "missing") == .integer(-2))
        #expect(await client.run("EXPIRE", "missing", "10") == .integer(0))
        #expect(await client.run("EXPIRE", "k", "10", "XX") == .integer(0))
        #expect(await client.run("EXPIRE", "k", "10", "NX") == .integer(1))
        #expect(await client.run("EXPIRE", "k", "20", "NX") == .integer(0))
        #expect(await client.run("EXPIRE", "k", "5", "GT") == .integer(0))
        #expect(await client.run("EXPIRE", "k", "30", "GT") == .integer(1))
        #expect(await client.run("PEXPIRE", "k", "40000", "LT") == .integer(0))
        #expect(await client.run("PEXPIRE", "k", "1500", "LT") == .integer(1))
        #expect(await client.run("PTTL", "k") == .integer(1500))
        #expect(await client.run("TTL", "k") == .integer(2))
        #expect(await client.run("PEXPIRETIME", "k") == .integer(Int64(start + 1500)))
        #expect(await client.run("EXPIRETIME", "k") == .integer(Int64((start + 1500) / 1000)))
        #expect(await client.run("EXPIREAT", "k", String(start / 1000 + 100)) == .integer(1))
        #expect(await client.run("PTTL", "k") == .integer(100_000))
        #expect(await client.run("PEXPIREAT", "k", String(start + 700)) == .integer(1))
        #expect(await client.run("PERSIST", "k") == .integer(1))
        #expect(await client.run("PERSIST", "k") == .integer(0))
        #expect(await client.run("TTL", "k") == .integer(-1))
    }

    @Test("EXPIRE with a deadline already past deletes the key; bad input is refused")
    func expireEdges() async {
        var client = ExecutorHarness()
        await client.run("SET", "k", "v")
        #expect(await client.run("EXPIRE", "k", "-1") == .integer(1))
        #expect(await client.run("GET", "k") == .null)
        await client.run("SET", "k", "v")
        #expect(await client.run("EXPIRE", "k", "x") == .error("ERR value is not an integer or out of range"))
        #expect(
            await client.run("EXPIRE", "k", "10", "NX", "XX")
                == .error("ERR NX and XX, GT or LT options at the same time are not compatible"))
        #expect(
            await client.run("EXPIRE", "k", "10", "GT", "LT")
                == .error("ERR GT and LT options at the same time are not compatible"))
        #expect(await client.run("EXPIRE", "k", "10", "ZZ") == .error("ERR Unsupported option ZZ"))
        #expect(
            await client.run("EXPIRE", "k", "9223372036854775807")
                == .error("ERR invalid expire time in 'expire' command"))
        #expect(await client.run("GET", "k") == .b("v"))
    }

    @Test("a replicated entry carries its deadline: this replica expires it at the same HLC")
    func replicatedExpiry() async {
        var client = ExecutorHarness()
        let deadline = HLCTimestamp(physical: ReplicaBackend.start + 3000)
        let remote = Entry(
            key: Array("r".utf8), value: Array("v".utf8),
            timestamp: HLCTimestamp(physical: ReplicaBackend.start - 10),
            origin: NodeID(high: 0xB, low: 2), expiry: deadline)
        await client.backend.applyRemote(remote)
        #expect(await client.run("PTTL", "r") == .integer(3000))
        await client.backend.advance(milliseconds: 3000)
        #expect(await client.run("GET", "r") == .null)
        #expect(await client.run("DBSIZE") == .integer(0))
    }

    @Test("KEYS matches Redis globs and returns keys sorted")
    func keysGlob() async {
        var client = ExecutorHarness()
        await client.run(
            "MSET", "hello", "1", "hallo", "1", "hxllo", "1", "hllo", "1", "heeeello", "1", "other", "1")
        #expect(
            await client.run("KEYS", "h?llo")
                == .bulkArray(["hallo", "hello", "hxllo"].map { Array($0.utf8) }))
        #expect(
            await client.run("KEYS", "h*llo")
                == .bulkArray(["hallo", "heeeello", "hello", "hllo", "hxllo"].map { Array($0.utf8) }))
        #expect(
            await client.run("KEYS", "h[ae]llo") == .bulkArray(["hallo", "hello"].map { Array($0.utf8) }))
        #expect(
            await client.run("KEYS", "h[^e]llo") == .bulkArray(["hallo", "hxllo"].map { Array($0.utf8) }))
        #expect(
            await client.run("KEYS", "*")
                == .bulkArray(
                    ["hallo", "heeeello", "hello", "hllo", "hxllo", "other"].map { Array($0.utf8) }))
    }

    @Test("SCAN visits every key exactly once, whatever COUNT, while other keys come and go")
    func scanCoversAll() async {
        let input = zip(Gen.int(in: 0...60), Gen.int(in: 1...12))
        await propertyCheck(count: 60, input: input) { keyCount, count in
            var client = ExecutorHarness()
            let stable = (0..<keyCount).map { "key:\($0)" }
            for key in stable { await client.run("SET", key, "v") }
            var seen: [String] = []
            var cursor = "0"
            var rounds = 0
            repeat {
                // Churn: keys written and deleted during the iteration must not disturb it.
                await client.run("SET", "churn:\(rounds)", "x")
                await client.run("DEL", "churn:\(rounds / 2)")
                guard
                    case let .array(reply?) = await client.run(
                        "SCAN", cursor, "COUNT", String(count), "MATCH", "key:*"),
                    reply.count == 2, let next = reply[0].text, case let .array(keys?) = reply[1]
                else {
                    Issue.record("malformed SCAN reply")
                    return
                }
                seen += keys.compactMap(\.text)
                cursor = next
                rounds += 1
            } while cursor != "0" && rounds < 1000
            #expect(cursor == "0")
            #expect(seen.sorted() == stable.sorted())
        }
    }

    @Test("SCAN refuses a bad cursor or option; TYPE filters")
    func scanErrors() async {
        var client = ExecutorHarness()
        await client.run("SET", "a", "1")
        #expect(await client.run("SCAN", "-1") == .error("ERR invalid cursor"))
        #expect(await client.run("SCAN", "abc") == .error("ERR invalid cursor"))
        #expect(await client.run("SCAN", "0", "COUNT", "0") == .error("ERR syntax error"))
        #expect(await client.run("SCAN", "0", "COUNT") == .error("ERR syntax error"))
        #expect(await client.run("SCAN", "0", "TYPE", "list") == .array([.b("0"), .array([])]))
        #expect(
            await client.run("SCAN", "0", "TYPE", "string")
                == .array([.b("0"), .bulkArray([Array("a".utf8)])]))
    }

    @Test("FLUSHDB deletes every live key as a tombstone; DBSIZE counts live keys only")
    func flush() async {
        var client = ExecutorHarness()
        await client.run("MSET", "a", "1", "b", "2", "c", "3")
        await client.run("SET", "e", "1", "PX", "10")
        #expect(await client.run("DBSIZE") == .integer(4))
        await client.backend.advance(milliseconds: 10)
        #expect(await client.run("DBSIZE") == .integer(3))
        #expect(await client.run("FLUSHDB") == .ok)
        #expect(await client.run("DBSIZE") == .integer(0))
        for key in ["a", "b", "c"] {
            #expect(await client.backend.entry(Array(key.utf8))?.isTombstone == true)
        }
        #expect(await client.run("FLUSHALL", "NOW") == .error("ERR syntax error"))
        #expect(await client.run("FLUSHALL", "ASYNC") == .ok)
    }
}
