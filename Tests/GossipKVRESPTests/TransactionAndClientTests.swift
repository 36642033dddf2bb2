import GossipKVCore
import GossipKVRESP
import NIOConcurrencyHelpers
import Testing

@Suite("MULTI/EXEC and CLIENT, in both protocols")
struct TransactionAndClientTests {
    @Test("commands after MULTI are queued and EXEC answers their replies in order", arguments: ["2", "3"])
    func execRunsTheQueue(version: String) async {
        var client = ExecutorHarness()
        await client.run("HELLO", version)
        await client.run("SET", "text", "abc")
        #expect(await client.run("MULTI") == .ok)
        #expect(await client.run("SET", "k", "1") == .simpleString("QUEUED"))
        #expect(await client.run("INCR", "k") == .simpleString("QUEUED"))
        #expect(await client.run("INCR", "text") == .simpleString("QUEUED"))
        #expect(await client.run("GET", "missing") == .simpleString("QUEUED"))
        #expect(await client.run("GET", "k") == .simpleString("QUEUED"))
        // Nothing ran yet.
        #expect(await client.backend.get(Array("k".utf8)) == nil)
        #expect(client.session.listing.queued == 5 && client.session.listing.line.contains(" flags=x "))
        // A command that fails while running fails alone: the others still apply.
        #expect(
            await client.run("EXEC")
                == .array([
                    .ok, .integer(2), .error("ERR value is not an integer or out of range"), .null, .b("2"),
                ]))
        #expect(await client.run("GET", "k") == .b("2"))
        #expect(!client.session.isInTransaction)
        if version == "3" {
            await client.run("MULTI")
            await client.run("GET", "missing")
            #expect(await client.wire("EXEC") == "*1\r\n_\r\n")
        }
    }

    @Test("no other client's command runs between the commands of an EXEC on this node")
    func execIsOneStep() async {
        // Every write waits a moment, so the other client has every chance to get in between.
        let executor = CommandExecutor(backend: PausingBackend(ReplicaBackend()))
        var writer = ClientSession(id: 1)
        _ = await executor.execute(RESPCommand("MULTI"), session: &writer)
        for _ in 0..<40 { _ = await executor.execute(RESPCommand("INCR", "n"), session: &writer) }
        // Another client writes the same key over and over, from before EXEC until after it.
        let done = NIOLockedValueBox(false)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let interleaver = Task {
            var other = ClientSession(id: 2)
            var writes = 0
            while !done.withLockedValue({ $0 }) {
                _ = await executor.execute(RESPCommand("SET", "n", "1000000"), session: &other)
                writes += 1
                startedContinuation.yield()
            }
            return writes
        }
        for await _ in started { break }
        let replies = await executor.execute(RESPCommand("EXEC"), session: &writer).replies
        done.withLockedValue { $0 = true }
        let otherWrites = await interleaver.value
        guard case let .array(items?) = replies.first else {
            Issue.record("EXEC did not answer an array")
            return
        }
        let numbers = items.compactMap { item -> Int64? in
            if case let .integer(number) = item { number } else { nil }
        }
        #expect(numbers.count == 40, "\(items)")
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(numbers)")
        #expect(otherWrites >= 2, "the other client wrote before and after EXEC")
    }

    @Test("a command refused while queueing aborts the whole transaction with EXECABORT")
    func execAbort() async {
        var client = ExecutorHarness()
        await client.run("MULTI")
        #expect(await client.run("SET", "k", "1") == .simpleString("QUEUED"))
        #expect(await client.run("GET") == .error("ERR wrong number of arguments for 'get' command"))
        #expect(await client.run("SET", "j", "1") == .simpleString("QUEUED"))
        #expect(
            await client.run("EXEC") == .error("EXECABORT Transaction discarded because of previous errors."))
        #expect(await client.run("EXISTS", "k", "j") == .integer(0))

        await client.run("MULTI")
        #expect(
            await client.run("NOPE") == .error("ERR unknown command 'NOPE', with args beginning with: "))
        #expect(
            await client.run("CLIENT", "NOPE") == .error("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."))
        #expect(await client.run("SUBSCRIBE", "c") == .error("ERR Command not allowed inside a transaction"))
        #expect(
            await client.run("EXEC") == .error("EXECABORT Transaction discarded because of previous errors."))
        #expect(!client.session.isSubscribed)
    }

    @Test("DISCARD drops the queue; EXEC and DISCARD need MULTI; MULTI does not nest; WATCH is refused")
    func controlErrors() async {
        var client = ExecutorHarness()
        #expect(await client.run("EXEC") == .error("ERR EXEC without MULTI"))
        #expect(await client.run("DISCARD") == .error("ERR DISCARD without MULTI"))
        await client.run("MULTI")
        #expect(await client.run("MULTI") == .error("ERR MULTI calls can not be nested"))
        await client.run("SET", "k", "1")
        #expect(await client.run("DISCARD") == .ok)
        #expect(await client.run("EXISTS", "k") == .integer(0))
        #expect(await client.run("EXEC") == .error("ERR EXEC without MULTI"))
        guard case let .error(message) = await client.run("WATCH", "k") else {
            Issue.record("WATCH was accepted")
            return
        }
        #expect(message.hasPrefix("ERR WATCH is not supported"))
        #expect(await client.run("UNWATCH") == .ok)
        // MULTI then EXEC with nothing queued answers an empty array, as Redis does.
        await client.run("MULTI")
        #expect(await client.run("EXEC") == .array([]))
    }

    @Test("CLIENT SETINFO, SETNAME, GETNAME, ID and INFO answer as redis-py expects")
    func clientCommands() async {
        var client = ExecutorHarness()
        #expect(await client.run("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == .ok)
        #expect(await client.run("CLIENT", "SETINFO", "LIB-VER", "8.1.0") == .ok)
        #expect(
            await client.run("CLIENT", "SETINFO", "LIB-NAME", "a b")
                == .error("ERR lib-name cannot contain spaces, newlines or special characters."))
        #expect(
            await client.run("CLIENT", "SETINFO", "LIB-COLOR", "x")
                == .error("ERR Unrecognized option 'LIB-COLOR'"))
        #expect(await client.run("CLIENT", "GETNAME") == .null)
        #expect(await client.run("CLIENT", "SETNAME", "worker") == .ok)
        #expect(await client.run("CLIENT", "GETNAME") == .b("worker"))
        #expect(await client.run("CLIENT", "ID") == .integer(client.session.id))
        #expect(
            await client.run("CLIENT", "INFO")
                == .b(
                    "id=\(client.session.id) addr=127.0.0.1:5000 name=worker flags=N db=0 sub=0 psub=0 multi=-1 "
                        + "resp=2 lib-name=redis-py lib-ver=8.1.0\n"))
    }

    @Test("CLIENT LIST shows every open connection, filtered by TYPE or ID")
    func clientList() async throws {
        try await withServer { _, address, _ in
            let first = try await TestClient.connect(to: address)
            let second = try await TestClient.connect(to: address)
            #expect(try await first.call("CLIENT", "SETNAME", "first") == .ok)
            guard case let .integer(firstID) = try await first.call("CLIENT", "ID"),
                case let .integer(secondID) = try await second.call("CLIENT", "ID")
            else {
                Issue.record("CLIENT ID is not an integer")
                return
            }
            #expect(
                try await second.call("SUBSCRIBE", "c")
                    == .array([.bulk("subscribe"), .bulk("c"), .integer(1)]))
            let all = try await first.call("CLIENT", "LIST").text ?? ""
            let lines = all.split(separator: "\n")
            #expect(lines.count == 2, "\(all)")
            #expect(
                lines.contains { $0.hasPrefix("id=\(firstID) ") && $0.contains(" name=first ") }, "\(all)")
            #expect(lines.contains { $0.hasPrefix("id=\(secondID) ") && $0.contains(" flags=P ") }, "\(all)")
            #expect(lines.first?.hasPrefix("id=\(min(firstID, secondID)) ") == true, "in id order: \(all)")
            let pubsub = try await first.call("CLIENT", "LIST", "TYPE", "pubsub").text ?? ""
            #expect(pubsub.hasPrefix("id=\(secondID) ") && pubsub.split(separator: "\n").count == 1)
            let byID = try await first.call("CLIENT", "LIST", "ID", "\(firstID)").text ?? ""
            #expect(byID.hasPrefix("id=\(firstID) ") && byID.split(separator: "\n").count == 1)
            #expect(try await first.call("CLIENT", "LIST", "ID", "x") == .error("ERR Invalid client ID"))
            await second.close()
            var remaining = 2
            for _ in 0..<200 where remaining > 1 {
                try await Task.sleep(for: .milliseconds(10))
                remaining = (try await first.call("CLIENT", "LIST").text ?? "").split(separator: "\n").count
            }
            #expect(remaining == 1)
            await first.close()
        }
    }
}

/// A backend whose writes pause for a millisecond first: a node under load, where other
/// clients' commands get the chance to run between two awaits.
struct PausingBackend: RESPBackend {
    let inner: ReplicaBackend

    init(_ inner: ReplicaBackend) { self.inner = inner }

    func get(_ key: [UInt8]) async -> [UInt8]? { await inner.get(key) }
    func entry(_ key: [UInt8]) async -> Entry? { await inner.entry(key) }
    func readTime() async -> HLCTimestamp { await inner.readTime() }
    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) async throws -> Entry {
        try? await Task.sleep(for: .milliseconds(1))
        return try await inner.put(key, value, expiry: expiry)
    }
    func delete(_ key: [UInt8]) async throws -> Entry {
        try? await Task.sleep(for: .milliseconds(1))
        return try await inner.delete(key)
    }
    func keys() async -> [[UInt8]] { await inner.keys() }
    func clusterInfo() async -> RESPClusterInfo { await inner.clusterInfo() }
    func changes() -> AsyncStream<Entry> { inner.changes() }
}
