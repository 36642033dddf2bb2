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
        #expect(
            try await client.replies(5, timeout: Self.patience) == [.ok, .bulk("1"), .ok, .bulk("2"), .null])
        try await client.send(multibulk("DBSIZE"))
        #expect(try await client.reply(timeout: Self.patience) == .integer(1))
        let calls = backend.calls
        #expect(calls.now >= 1 && calls.operations == 5 && calls.perform == 0, "\(calls)")
        await client.close()
        await server.stop()
    }

    @Test("a plain batch read while an earlier command is pending waits for it: replies stay in order")
    func waitsForPendingCommands() async throws {
        let backend = LockedReplicaBackend(holdingPuts: true)
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let client = try await TestClient.connect(to: address)
        // Not plain (an option): runs on the connection's task, and waits inside `put`.
        try await client.send(multibulk("SET", "a", "1", "EX", "100"))
        try await backend.waitForPuts(1)
        // Plain, in a later read, while the SET is pending: answering it at once would put its
        // reply first, and it would read nothing.
        try await client.send(multibulk("GET", "a"))
        try await Task.sleep(for: .milliseconds(300))
        backend.releasePuts()
        #expect(try await client.replies(2, timeout: Self.patience) == [.ok, .bulk("1")])
        let calls = backend.calls
        #expect(calls.now == 0 && calls.perform == 1, "\(calls)")
        // Once nothing is pending, the loop answers again.
        try await client.send(multibulk("GET", "a"))
        #expect(try await client.reply(timeout: Self.patience) == .bulk("1"))
        #expect(backend.calls.now == 1)
        await client.close()
        await server.stop()
    }

    @Test("while a transaction holds the gate, plain batches go to the task and wait for it")
    func waitsForTransactions() async throws {
        let backend = LockedReplicaBackend(holdingPuts: true)
        let server = RESPServer(configuration: RESPServerConfiguration(port: 0), backend: backend)
        let address = try await server.start()
        let writer = try await TestClient.connect(to: address)
        let reader = try await TestClient.connect(to: address)
        var transaction = ByteBuffer()
        for words in [["MULTI"], ["SET", "a", "1", "EX", "100"], ["SET", "b", "2", "EX", "100"], ["EXEC"]] {
            var command = multibulk(words.map { Array($0.utf8) })
            transaction.writeBuffer(&command)
        }
        try await writer.send(transaction)
        // The EXEC holds the gate and waits inside its first write.
        try await backend.waitForPuts(1)
        try await reader.send(multibulk("GET", "a"))
        try await Task.sleep(for: .milliseconds(300))
        backend.releasePuts()
        // A read must see the transaction whole: both writes or neither, never half of it.
        let seen = try await reader.reply(timeout: Self.patience)
        #expect(
            try await writer.replies(4, timeout: Self.patience)
                == [.ok, .simpleString("QUEUED"), .simpleString("QUEUED"), .array([.ok, .ok])])
        #expect(seen == .bulk("1"), "a GET ran inside the transaction: \(seen)")
        await writer.close()
        await reader.close()
        await server.stop()
    }

    /// Replies can take long when the suite's CPU-bound tests hold every core.
    static let patience: Duration = .seconds(60)
}

/// A backend over one `Replica` behind a lock, so it can answer plain batches on any thread
/// (`performNow`), as the node does on its event loop. With `holdingPuts`, the async `put` (the
/// path of every non-plain write) waits until `releasePuts()`, to hold commands pending.
final class LockedReplicaBackend: RESPBackend {
    private let replica = NIOLockedValueBox(Replica(id: NodeID(high: 0xB, low: 1)))
    private let counts = NIOLockedValueBox((now: 0, perform: 0, operations: 0))
    private let holding: NIOLockedValueBox<(held: Bool, entered: Int)>
    private let physical = ReplicaBackend.start

    init(holdingPuts: Bool = false) { self.holding = NIOLockedValueBox((holdingPuts, 0)) }

    func releasePuts() { holding.withLockedValue { $0.held = false } }

    /// Returns once `count` puts have started (and, while held, wait).
    func waitForPuts(_ count: Int) async throws {
        let deadline = ContinuousClock.now + PlainBatchNowTests.patience
        while holding.withLockedValue({ $0.entered }) < count {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

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
        holding.withLockedValue { $0.entered += 1 }
        while holding.withLockedValue({ $0.held }) { try await Task.sleep(for: .milliseconds(5)) }
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
