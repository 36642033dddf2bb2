import GossipKVCore
import GossipKVRESP
import Testing

@Suite("string commands")
struct StringCommandTests {
    @Test("GET and SET are binary-safe")
    func binarySafe() async {
        var client = ExecutorHarness()
        let key: [UInt8] = [0, 13, 10, 255]
        let value: [UInt8] = [10, 0, 42, 13]
        #expect(await client.run(bytes: [Array("SET".utf8), key, value]) == .ok)
        #expect(await client.run(bytes: [Array("GET".utf8), key]) == .bulkString(value))
        #expect(await client.run("GET", "missing") == .null)
        #expect(
            await client.run("get", "a", "b") == .error("ERR wrong number of arguments for 'get' command"))
    }

    @Test("SET NX and XX write only when the key is absent or present; GET returns the old value")
    func conditions() async {
        var client = ExecutorHarness()
        #expect(await client.run("SET", "k", "1", "XX") == .null)
        #expect(await client.run("GET", "k") == .null)
        #expect(await client.run("SET", "k", "1", "NX") == .ok)
        #expect(await client.run("SET", "k", "2", "NX") == .null)
        #expect(await client.run("SET", "k", "2", "nx", "GET") == .b("1"))
        #expect(await client.run("GET", "k") == .b("1"))
        #expect(await client.run("SET", "k", "3", "XX", "GET") == .b("1"))
        #expect(await client.run("SET", "new", "x", "GET") == .null)
        #expect(await client.run("GET", "k") == .b("3"))
    }

    @Test("SET option errors use Redis's wording")
    func setErrors() async {
        var client = ExecutorHarness()
        #expect(await client.run("SET", "k", "v", "NX", "XX") == .error("ERR syntax error"))
        #expect(await client.run("SET", "k", "v", "EX", "1", "PX", "1") == .error("ERR syntax error"))
        #expect(await client.run("SET", "k", "v", "EX") == .error("ERR syntax error"))
        #expect(await client.run("SET", "k", "v", "BOGUS") == .error("ERR syntax error"))
        #expect(
            await client.run("SET", "k", "v", "EX", "ten")
                == .error("ERR value is not an integer or out of range"))
        #expect(
            await client.run("SET", "k", "v", "EX", "0") == .error("ERR invalid expire time in 'set' command")
        )
        #expect(
            await client.run("SET", "k", "v", "PX", "-5")
                == .error("ERR invalid expire time in 'set' command"))
        #expect(
            await client.run("SET", "k", "v", "EX", "9223372036854775807")
                == .error("ERR invalid expire time in 'set' command"))
        #expect(await client.run("GET", "k") == .null)
    }

    @Test("SET EX, PX, EXAT, PXAT set an HLC deadline; the key reads absent from it on")
    func setExpiry() async {
        var client = ExecutorHarness()
        let start = ReplicaBackend.start
        #expect(await client.run("SET", "ex", "v", "EX", "10") == .ok)
        #expect(await client.run("SET", "px", "v", "PX", "1500") == .ok)
        #expect(await client.run("SET", "exat", "v", "EXAT", String(start / 1000 + 20)) == .ok)
        #expect(await client.run("SET", "pxat", "v", "PXAT", String(start + 2500)) == .ok)
        #expect(await client.run("PTTL", "ex") == .integer(10_000))
        #expect(await client.run("TTL", "px") == .integer(2))
        #expect(await client.run("PTTL", "exat") == .integer(20_000))
        #expect(await client.run("PTTL", "pxat") == .integer(2500))
        #expect(
            await client.backend.entry(Array("ex".utf8))?.expiry == HLCTimestamp(physical: start + 10_000))
        await client.backend.advance(milliseconds: 1499)
        #expect(await client.run("GET", "px") == .b("v"))
        await client.backend.advance(milliseconds: 1)
        #expect(await client.run("GET", "px") == .null)
        #expect(await client.run("TTL", "px") == .integer(-2))
        #expect(await client.run("EXISTS", "px", "ex") == .integer(1))
    }

    @Test("SET with a deadline already past deletes the key; KEEPTTL keeps the deadline")
    func pastDeadlineAndKeepTTL() async {
        var client = ExecutorHarness()
        await client.run("SET", "k", "v")
        #expect(await client.run("SET", "k", "w", "PXAT", "1000") == .ok)
        #expect(await client.run("GET", "k") == .null)
        #expect(await client.backend.entry(Array("k".utf8))?.isTombstone == true)
        await client.run("SET", "t", "1", "EX", "100")
        #expect(await client.run("SET", "t", "2", "KEEPTTL") == .ok)
        #expect(await client.run("PTTL", "t") == .integer(100_000))
        #expect(await client.run("SET", "t", "3") == .ok)
        #expect(await client.run("TTL", "t") == .integer(-1))
    }

    @Test("GETDEL returns the value and leaves a tombstone")
    func getdel() async {
        var client = ExecutorHarness()
        await client.run("SET", "k", "v")
        #expect(await client.run("GETDEL", "k") == .b("v"))
        #expect(await client.run("GETDEL", "k") == .null)
        #expect(await client.backend.entry(Array("k".utf8))?.isTombstone == true)
    }

    @Test("MSET writes every pair with its own HLC tick; MGET reads them in order")
    func msetMget() async {
        var client = ExecutorHarness()
        #expect(await client.run("MSET", "a", "1", "b", "2", "c", "3") == .ok)
        #expect(await client.run("MGET", "a", "missing", "c") == .array([.b("1"), .null, .b("3")]))
        let a = await client.backend.entry(Array("a".utf8))
        let b = await client.backend.entry(Array("b".utf8))
        #expect(a != nil && b != nil && a?.timestamp != b?.timestamp)
        #expect(
            await client.run("MSET", "a", "1", "b")
                == .error("ERR wrong number of arguments for 'mset' command"))
        #expect(await client.run("STRLEN", "a") == .integer(1))
    }

    @Test("INCR, DECR, INCRBY, DECRBY read, add and write back, keeping the deadline")
    func increments() async {
        var client = ExecutorHarness()
        #expect(await client.run("INCR", "n") == .integer(1))
        #expect(await client.run("INCRBY", "n", "41") == .integer(42))
        #expect(await client.run("DECR", "n") == .integer(41))
        #expect(await client.run("DECRBY", "n", "50") == .integer(-9))
        #expect(await client.run("GET", "n") == .b("-9"))
        await client.run("PEXPIRE", "n", "5000")
        #expect(await client.run("INCR", "n") == .integer(-8))
        #expect(await client.run("PTTL", "n") == .integer(5000))
    }

    @Test("INCR refuses non-integers and overflow with Redis's messages")
    func incrementErrors() async {
        var client = ExecutorHarness()
        await client.run("SET", "s", "abc")
        await client.run("SET", "sp", " 1")
        await client.run("SET", "max", "9223372036854775807")
        #expect(await client.run("INCR", "s") == .error("ERR value is not an integer or out of range"))
        #expect(await client.run("INCR", "sp") == .error("ERR value is not an integer or out of range"))
        #expect(await client.run("INCRBY", "n", "x") == .error("ERR value is not an integer or out of range"))
        #expect(await client.run("INCR", "max") == .error("ERR increment or decrement would overflow"))
        #expect(
            await client.run("DECRBY", "n", "-9223372036854775808")
                == .error("ERR increment or decrement would overflow"))
        #expect(await client.run("GET", "s") == .b("abc"))
    }

    @Test("a write past the cluster limits is refused with the core's message")
    func writeRefused() async {
        var limits = Limits()
        limits.maxValueBytes = 4
        var client = ExecutorHarness(backend: ReplicaBackend(limits: limits))
        #expect(
            await client.run("SET", "k", "12345")
                == .error("ERR value is 5 bytes; the cluster's limit is 4 bytes"))
        #expect(
            await client.run("MSET", "a", "1", "b", "12345")
                == .error(
                    "ERR value is 5 bytes; the cluster's limit is 4 bytes (the first 1 pairs were written)"))
    }
}
