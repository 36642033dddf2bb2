import GossipKVCore
import GossipKVRESP
import NIOCore
import PropertyBased
import Testing

@Suite("RESP3: encodings, HELLO and per-connection protocol")
struct RESP3Tests {
    func wire(_ value: RESPValue, _ version: RESPProtocolVersion) -> String {
        String(decoding: value.encoded(as: version), as: UTF8.self)
    }

    @Test("each RESP3 kind has its RESP3 wire form and the RESP2 form Redis falls back to")
    func wireForms() {
        let map = RESPValue.fields([("a", .integer(1)), ("b", .null)])
        #expect(wire(map, .resp3) == "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n")
        #expect(wire(map, .resp2) == "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n")
        #expect(wire(.set([.bulk("x")]), .resp3) == "~1\r\n$1\r\nx\r\n")
        #expect(wire(.set([.bulk("x")]), .resp2) == "*1\r\n$1\r\nx\r\n")
        #expect(wire(.push([.bulk("message")]), .resp3) == ">1\r\n$7\r\nmessage\r\n")
        #expect(wire(.push([.bulk("message")]), .resp2) == "*1\r\n$7\r\nmessage\r\n")
        #expect(wire(.double(1.5), .resp3) == ",1.5\r\n")
        #expect(wire(.double(-.infinity), .resp3) == ",-inf\r\n")
        #expect(wire(.double(.infinity), .resp2) == "$3\r\ninf\r\n")
        #expect(wire(.double(.nan), .resp3) == ",nan\r\n")
        #expect(wire(.boolean(true), .resp3) == "#t\r\n")
        #expect(wire(.boolean(false), .resp2) == ":0\r\n")
        #expect(wire(.null, .resp3) == "_\r\n")
        #expect(wire(.array(nil), .resp3) == "_\r\n")
        #expect(wire(.array([.null, .integer(-2)]), .resp3) == "*2\r\n_\r\n:-2\r\n")
    }

    static let valueGen: Generator<RESPValue, some SendableSequenceType> = {
        let bytes = Gen.int(in: 0...255).map { UInt8($0) }.array(of: 0...12)
        let leaf = Gen.oneOf(
            Gen.int(in: Int.min...Int.max).map { RESPValue.integer(Int64($0)) },
            bytes.map { RESPValue.bulkString($0) }, Gen.always(RESPValue.null),
            Gen.int(in: -1_000_000...1_000_000).map { RESPValue.double(Double($0) / 64) },
            Gen.oneOf(Gen.always(true), Gen.always(false)).map { RESPValue.boolean($0) })
        let pairs = zip(leaf, leaf).array(of: 0...4).map { RESPValue.map($0.map { RESPPair($0.0, $0.1) }) }
        return Gen.oneOf(
            leaf, pairs, leaf.array(of: 0...4).map { RESPValue.set($0) },
            leaf.array(of: 0...4).map { RESPValue.push($0) },
            pairs.array(of: 0...3).map { RESPValue.array($0) })
    }()

    @Test("what the RESP3 encoder writes, the independent reply parser reads back")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.valueGen) { value in
            var buffer = ByteBuffer()
            buffer.writeRESPValue(value, as: .resp3)
            #expect((try? RESPReplyParser.next(&buffer)) == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("HELLO 3 switches the connection to RESP3 and answers Redis's map, in RESP3")
    func helloThree() async {
        var client = ExecutorHarness()
        #expect(await client.wire("GET", "missing") == "$-1\r\n")
        let id = client.session.id
        let hello = await client.wire("HELLO", "3")
        #expect(
            hello
                == "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n"
                + "$2\r\nid\r\n:\(id)\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                + "$7\r\nmodules\r\n*0\r\n")
        #expect(await client.wire("GET", "missing") == "_\r\n")
        #expect(await client.wire("MGET", "missing") == "*1\r\n_\r\n")
        #expect(await client.wire("CONFIG", "GET", "save") == "%1\r\n$4\r\nsave\r\n$0\r\n\r\n")
        // HELLO without a version reports the current protocol.
        guard case let .map(pairs) = await client.run("HELLO") else {
            Issue.record("HELLO under RESP3 is not a map")
            return
        }
        #expect(pairs.contains(RESPPair(.b("proto"), .integer(3))))
        #expect(await client.run("HELLO", "2") != .error("UNREADABLE"))
        #expect(await client.wire("GET", "missing") == "$-1\r\n")
        #expect(await client.wire("CONFIG", "GET", "save") == "*2\r\n$4\r\nsave\r\n$0\r\n\r\n")
    }

    @Test("HELLO AUTH checks credentials as AUTH does; a refused HELLO changes nothing")
    func helloOptions() async {
        var client = ExecutorHarness()
        #expect(
            await client.run("HELLO", "3", "AUTH", "bob", "pw", "SETNAME", "n")
                == .error("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(client.session.protocolVersion == .resp2 && client.session.name == nil)
        #expect(
            await client.run("HELLO", "3", "SETNAME", "bad name")
                == .error("ERR Client names cannot contain spaces, newlines or special characters."))
        #expect(client.session.protocolVersion == .resp2)
        #expect(await client.run("HELLO", "3", "FOO") == .error("ERR Syntax error in HELLO option 'FOO'"))
        #expect(
            await client.run("HELLO", "3", "AUTH", "default")
                == .error("ERR Syntax error in HELLO option 'AUTH'"))
        #expect(client.session.protocolVersion == .resp2)
        guard case .map = await client.run("HELLO", "3", "AUTH", "default", "any", "SETNAME", "worker") else {
            Issue.record("HELLO 3 AUTH default was refused")
            return
        }
        #expect(client.session.protocolVersion == .resp3 && client.session.name == "worker")
        #expect((await client.run("CLIENT", "INFO").text ?? "").contains(" resp=3 "))
    }

    @Test("a RESP3 subscriber gets push frames and may send any command; a RESP2 one may not")
    func subscribedCommands() async {
        var resp3 = ExecutorHarness()
        await resp3.run("HELLO", "3")
        #expect(await resp3.wire("SUBSCRIBE", "c") == ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n")
        #expect(await resp3.run("SET", "k", "v") == .ok)
        #expect(await resp3.run("GET", "k") == .b("v"))
        #expect(await resp3.run("PING") == .simpleString("PONG"))
        #expect(await resp3.wire("UNSUBSCRIBE", "c") == ">3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n")
        #expect(await resp3.wire("UNSUBSCRIBE") == ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")

        var resp2 = ExecutorHarness()
        #expect(await resp2.wire("SUBSCRIBE", "c") == "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n")
        #expect(await resp2.run("PING") == .array([.b("pong"), .b("")]))
        guard case .error = await resp2.run("GET", "k") else {
            Issue.record("a RESP2 subscriber ran GET")
            return
        }
    }

    @Test("keyspace messages are push frames for a RESP3 subscriber and arrays for a RESP2 one")
    func messageKinds() {
        let entry = Entry(
            key: Array("k".utf8), value: [1], timestamp: HLCTimestamp(physical: 1),
            origin: NodeID(high: 1, low: 1))
        let subscriptions = KeyspaceSubscriptions(channels: [Array("__keyspace@0__:k".utf8)])
        let messages = subscriptions.messages(for: entry)
        #expect(
            messages.map { wire($0, .resp3) } == [
                ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"
            ])
        #expect(
            messages.map { wire($0, .resp2) } == [
                "*3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"
            ])
    }

    @Test("over a socket, a RESP3 subscriber receives push messages and still runs commands")
    func socketPush() async throws {
        try await withServer { _, address, _ in
            let subscriber = try await TestClient.connect(to: address)
            let writer = try await TestClient.connect(to: address)
            guard case .map = try await subscriber.call("HELLO", "3") else {
                Issue.record("HELLO 3 did not answer a map")
                return
            }
            #expect(
                try await subscriber.call("SUBSCRIBE", "__keyspace@0__:a")
                    == .push([.bulk("subscribe"), .bulk("__keyspace@0__:a"), .integer(1)]))
            #expect(try await writer.call("SET", "a", "1") == .ok)
            #expect(
                try await subscriber.reply()
                    == .push([.bulk("message"), .bulk("__keyspace@0__:a"), .bulk("set")]))
            #expect(try await subscriber.call("GET", "a") == .bulk("1"))
            #expect(try await subscriber.call("GET", "none") == .null)
            #expect(subscriber.unreadBytes == 0)
            await subscriber.close()
            await writer.close()
        }
    }
}
