import GossipKVCore
import GossipKVRESP
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite("plain batches answered on the connection's event loop (RESPBackend.performNow)")
struct PlainBatchNowTests {
    @Test("a plain pipeline is answered on the event loop when the backend can, with no call to perform")
    func answeredOnTheLoop() async throws {
        let backend = LockedReplicaBackend()
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let client = try await TestClient.connect(to: address)
        var pipeline = ByteBuffer()
        for words in [
            ["SET", "a", "1"], ["GET", "a"], ["SET", "a", "2"], ["GET", "a"], ["GET", "missing"],
        ] {
            var command = multibulk(words.map { Array($0.utf8) })
            pipeline.writeBuffer(&command)
        }
        try await client.send(pipeline)
        #expect(try await client.replies(5) == [.ok, .bulk("1"), .ok, .bulk("2"), .null])
        #expect(try await client.call("DBSIZE") == .integer(1))
        let calls = backend.calls
        #expect(calls.now >= 1 && calls.operations == 5 && calls.perform == 0, "\(calls)")
        await client.close()
        await server.stop()
    }

    @Test("a plain batch read while an earlier command is pending waits for it: replies stay in order")
    func waitsForPendingCommands() async throws {
        let backend = LockedReplicaBackend(slowPut: .milliseconds(300))
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let client = try await TestClient.connect(to: address)
        // Not plain (an option): runs on the connection's task, and takes 300 ms.
        try await client.send(multibulk("SET", "a", "1", "EX", "100"))
        try await Task.sleep(for: .milliseconds(50))
        // Plain, in a later read, while the SET is pending: answering it at once would put its
        // reply first, and it would read nothing.
        try await client.send(multibulk("GET", "a"))
        #expect(try await client.replies(2) == [.ok, .bulk("1")])
        let calls = backend.calls
        #expect(calls.now == 0 && calls.perform == 1, "\(calls)")
        // Once nothing is pending, the loop answers again.
        #expect(try await client.call("GET", "a") == .bulk("1"))
        #expect(backend.calls.now == 1)
        await client.close()
        await server.stop()
    }

    @Test("while a transaction holds the gate, plain batches go to the task and wait for it")
    func waitsForTransactions() async throws {
        let backend = LockedReplicaBackend(slowPut: .milliseconds(300))
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let writer = try await TestClient.connect(to: address)
        let reader = try await TestClient.connect(to: address)
        #expect(try await writer.call("MULTI") == .ok)
        #expect(try await writer.call("SET", "a", "1", "EX", "100") == .simpleString("QUEUED"))
        #expect(try await writer.call("SET", "b", "2", "EX", "100") == .simpleString("QUEUED"))
        try await writer.send(multibulk("EXEC"))
        try await Task.sleep(for: .milliseconds(100))
        // The EXEC is between its two writes: a read must see both or neither.
        try await reader.send(multibulk("GET", "a"))
        let seen = try await reader.reply()
        #expect(try await writer.reply() == .array([.ok, .ok]))
        #expect(seen == .bulk("1"), "a GET ran inside the transaction: \(seen)")
        await writer.close()
        await reader.close()
        await server.stop()
    }
}

/// A backend over one `Replica` behind a lock, so it can answer plain batches on any thread
/// (`performNow`), as the node does on its event loop. `slowPut` delays the async `put` (the
/// path of every non-plain write) to hold commands pending.
final class LockedReplicaBackend: RESPBackend {
    private let replica = NIOLockedValueBox(Replica(id: NodeID(high: 0xB, low: 1)))
    private let counts = NIOLockedValueBox((now: 0, perform: 0, operations: 0))
    private let slowPut: Duration?
    private let physical = ReplicaBackend.start

    init(slowPut: Duration? = nil) { self.slowPut = slowPut }

    var calls: (now: Int, perform: Int, operations: Int) { counts.withLockedValue { $0 } }

    func performNow(_ operations: [RESPOperation]) -> [RESPOperationResult]? {
        counts.withLockedValue {
            $0.now += 1
            $0.operations += operations.count
        }
        return run(operations)
    }

    func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult] {
        counts.withLockedValue {
            $0.perform += 1
            $0.operations += operations.count
        }
        return run(operations)
    }

    private func run(_ operations: [RESPOperation]) -> [RESPOperationResult] {
        replica.withLockedValue { replica in
            operations.map { operation in
                switch operation {
                case let .get(key): return .value(replica.get(key, physical: physical))
                case let .put(key, value):
                    do {
                        _ = try replica.write(key, value: value, physical: physical)
                        return .written
                    } catch {
                        return .refused(String(describing: error))
                    }
                }
            }
        }
    }

    func get(_ key: [UInt8]) async -> [UInt8]? { replica.withLockedValue { $0.get(key, physical: physical) } }
    func entry(_ key: [UInt8]) async -> Entry? { replica.withLockedValue { $0.map.entry(forKey: key) } }
    func readTime() async -> HLCTimestamp { replica.withLockedValue { $0.readTime(physical: physical) } }
    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) async throws -> Entry {
        if let slowPut { try await Task.sleep(for: slowPut) }
        return try replica.withLockedValue {
            try $0.write(key, value: value, expiry: expiry, physical: physical).entry
        }
    }
    func delete(_ key: [UInt8]) async throws -> Entry {
        try replica.withLockedValue { try $0.write(key, value: nil, physical: physical).entry }
    }
    func keys() async -> [[UInt8]] {
        replica.withLockedValue { replica in
            let now = replica.readTime(physical: physical)
            return replica.map.sortedEntries().filter { $0.visibleValue(at: now) != nil }.map(\.key)
        }
    }
    func clusterInfo() async -> RESPClusterInfo {
        RESPClusterInfo(nodeID: "b", nodeName: "locked", hlc: .zero, stateHash: 0, members: [])
    }
    func changes() -> AsyncStream<Entry> { AsyncStream { $0.finish() } }
}
