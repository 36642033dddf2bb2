import GossipKVCore
import GossipKVRESP
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite("plain GETs and SETs of a pipeline go to the backend in one call")
struct PlainBatchTests {
    @Test("only GET key and SET key value, outside MULTI and subscriptions, are plain")
    func classification() async {
        var client = ExecutorHarness()
        let session = client.session
        #expect(
            CommandExecutor.plainOperation(RESPCommand("GET", "k"), session) == .get(key: Array("k".utf8)))
        #expect(
            CommandExecutor.plainOperation(RESPCommand("gEt", "k"), session) == .get(key: Array("k".utf8)))
        #expect(
            CommandExecutor.plainOperation(RESPCommand("set", "k", "v"), session)
                == .put(key: Array("k".utf8), value: Array("v".utf8)))
        for command in [
            RESPCommand("SET", "k", "v", "EX", "5"), RESPCommand("GET"), RESPCommand("GET", "a", "b"),
            RESPCommand("DEL", "k"), RESPCommand("TTL", "k"), RESPCommand("GETDEL", "k"),
            RESPCommand("SET", "k"), RESPCommand("GEX", "k"), RESPCommand("SAT", "k", "v"),
            RESPCommand("GXT", "k"),
            RESPCommand("G\u{05}T", "k"),
        ] {
            #expect(CommandExecutor.plainOperation(command, session) == nil, "\(command)")
        }
        await client.run("MULTI")
        #expect(CommandExecutor.plainOperation(RESPCommand("GET", "k"), client.session) == nil)
        await client.run("DISCARD")
        await client.run("SUBSCRIBE", "c")
        #expect(CommandExecutor.plainOperation(RESPCommand("GET", "k"), client.session) == nil)
    }

    @Test("a refused SET answers the same error on both paths")
    func refusals() async {
        var limits = Limits()
        limits.maxValueBytes = 4
        let executor = CommandExecutor(backend: ReplicaBackend(limits: limits))
        var session = ClientSession(id: 1)
        let alone = await executor.execute(RESPCommand("SET", "k", "too long"), session: &session).replies
        let plain = await executor.executePlain([.put(key: Array("k".utf8), value: Array("too long".utf8))])
        guard case .error = plain.first else {
            Issue.record("the oversized SET was accepted: \(plain)")
            return
        }
        #expect(plain == alone)
    }

    @Test(
        "replies written straight into the buffer are the bytes of the reply values",
        arguments: RESPProtocolVersion.allCases)
    func bufferPathMatchesValues(version: RESPProtocolVersion) async {
        var limits = Limits()
        limits.maxValueBytes = 4
        let operations: [RESPOperation] = [
            .put(key: Array("k".utf8), value: Array("v".utf8)), .get(key: Array("k".utf8)),
            .get(key: Array("missing".utf8)), .put(key: Array("k".utf8), value: Array("too long".utf8)),
            .put(key: Array("e".utf8), value: []), .get(key: Array("e".utf8)),
        ]
        let values = await CommandExecutor(backend: ReplicaBackend(limits: limits)).executePlain(operations)
        var expected = ByteBuffer()
        for value in values { expected.writeRESPValue(value, as: version) }
        var written = ByteBuffer()
        await CommandExecutor(backend: ReplicaBackend(limits: limits)).executePlain(
            operations, into: &written, as: version)
        #expect(values.count == operations.count)
        #expect(written == expected)
    }

    @Test("over a socket, a pipeline mixing plain and other commands is answered in order, each path once")
    func mixedPipeline() async throws {
        let backend = CountingBackend(ReplicaBackend())
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let client = try await TestClient.connect(to: address)
        var pipeline = ByteBuffer()
        for words in [
            ["SET", "a", "1"], ["GET", "a"], ["SET", "b", "2"], ["INCR", "a"], ["GET", "a"],
            ["GET", "missing"],
            ["MULTI"], ["GET", "b"], ["EXEC"], ["SET", "a", "x"], ["GET", "a"],
        ] {
            var command = multibulk(words.map { Array($0.utf8) })
            pipeline.writeBuffer(&command)
        }
        try await client.send(pipeline)
        let replies = try await client.replies(11)
        #expect(
            replies == [
                .ok, .bulk("1"), .ok, .integer(2), .bulk("2"), .null, .ok, .simpleString("QUEUED"),
                .array([.bulk("2")]),
                .ok, .bulk("x"),
            ])
        // Runs: [SET GET SET], [GET GET], [SET GET]; INCR, MULTI, GET-in-MULTI and EXEC go one by one.
        // The three runs may arrive in more than one read, so at most one call per command.
        let calls = backend.performCalls
        #expect(calls.operations == 7, "\(calls)")
        #expect(calls.count >= 3 && calls.count <= 7, "\(calls)")
        await client.close()
        await server.stop()
    }
}

/// Counts `perform` calls and their operations, and passes everything on.
final class CountingBackend: RESPBackend {
    let inner: ReplicaBackend
    private let counts = NIOLockedValueBox((count: 0, operations: 0))

    init(_ inner: ReplicaBackend) { self.inner = inner }

    var performCalls: (count: Int, operations: Int) { counts.withLockedValue { $0 } }

    func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult] {
        counts.withLockedValue {
            $0.count += 1
            $0.operations += operations.count
        }
        var results: [RESPOperationResult] = []
        for operation in operations {
            switch operation {
            case let .get(key): results.append(.value(await inner.get(key)))
            case let .put(key, value):
                do {
                    _ = try await inner.put(key, value, expiry: nil)
                    results.append(.written)
                } catch {
                    results.append(.refused(String(describing: error)))
                }
            }
        }
        return results
    }

    func get(_ key: [UInt8]) async -> [UInt8]? { await inner.get(key) }
    func entry(_ key: [UInt8]) async -> Entry? { await inner.entry(key) }
    func readTime() async -> HLCTimestamp { await inner.readTime() }
    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) async throws -> Entry {
        try await inner.put(key, value, expiry: expiry)
    }
    func delete(_ key: [UInt8]) async throws -> Entry { try await inner.delete(key) }
    func keys() async -> [[UInt8]] { await inner.keys() }
    func clusterInfo() async -> RESPClusterInfo { await inner.clusterInfo() }
    func changes() -> AsyncStream<Entry> { inner.changes() }
}
