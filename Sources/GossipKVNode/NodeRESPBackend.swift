import Foundation
import GossipKVCore
import GossipKVCrypto
import GossipKVRESP
import NIOConcurrencyHelpers

/// Serves a `Node` to the Redis-protocol server. The server binds before the node's init
/// finishes (its port goes into the node's advertised address), so the node is attached after;
/// the server accepts no client until then (`RESPServer.start(acceptingClients: false)`), so no
/// command sees the empty store of that instant.
final class NodeRESPBackend: RESPBackend {
    private let node = NIOLockedValueBox<Node?>(nil)

    enum NotReady: Error, CustomStringConvertible {
        case starting
        var description: String { "the node is still starting; retry in a moment" }
    }

    func attach(_ node: Node) { self.node.withLockedValue { $0 = node } }

    private var current: Node? { node.withLockedValue { $0 } }

    func get(_ key: [UInt8]) async -> [UInt8]? { await current?.get(key) }

    func entry(_ key: [UInt8]) async -> Entry? { await current?.entry(key) }

    func readTime() async -> HLCTimestamp { await current?.readTime() ?? .zero }

    func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp?) async throws -> Entry {
        guard let node = current else { throw NotReady.starting }
        return try await node.put(key, value, expiry: expiry)
    }

    func delete(_ key: [UInt8]) async throws -> Entry {
        guard let node = current else { throw NotReady.starting }
        return try await node.delete(key)
    }

    func keys() async -> [[UInt8]] { await current?.liveKeys() ?? [] }

    func clusterInfo() async -> RESPClusterInfo {
        guard let node = current else {
            return RESPClusterInfo(nodeID: "", nodeName: "", hlc: .zero, stateHash: 0, members: [])
        }
        let status = await node.status()
        let lags = Dictionary(uniqueKeysWithValues: status.peers.map { ($0.id, $0) })
        let members = await node.members().map { member in
            RESPMember(
                nodeID: "\(member.id)", name: member.name, address: "\(member.address)",
                state: "\(member.state)", clientAddress: member.address.clientAddressDescription,
                isSelf: member.isSelf, lagEntries: lags[member.id]?.entriesBehind,
                lagMilliseconds: lags[member.id]?.millisecondsBehind)
        }
        let rejections = node.metrics.rejectionCounts.sorted { $0.key < $1.key }
            .map { RESPInfoField("rejected_\($0.key)", "\($0.value)") }
        return RESPClusterInfo(
            nodeID: "\(status.id)", nodeName: status.name, hlc: status.hlc, stateHash: status.stateHash,
            members: members,
            extraFields: [
                RESPInfoField("entries", "\(status.entries)"),
                RESPInfoField("origins", "\(status.digest.count)"),
            ]
                + storageFields(node, status: status) + (await keyringFields(node)) + rejections)
    }

    func keyring(_ request: RESPKeyringRequest) async throws -> RESPKeyringState {
        guard let node = current else { throw NotReady.starting }
        var subject: DataKeyID?
        switch request {
        case .list:
            break
        case let .install(base64):
            guard var bytes = Data(base64Encoded: base64).map(Array.init) else {
                throw KeyringCommandError.notBase64
            }
            let key = try DataKey(secret: SecretBytes(consuming: &bytes))
            try await node.installKey(key)
            subject = key.id
        case let .use(text):
            let id = try Self.keyID(text)
            try await node.useKey(id)
            subject = id
        case let .remove(text):
            let id = try Self.keyID(text)
            try await node.removeKey(id)
            subject = id
        }
        let state = await node.keyringState()
        return RESPKeyringState(
            encrypting: state.encrypting, primary: state.primary.map(\.description),
            keys: state.keys.map(\.description), subject: subject.map(\.description))
    }

    private static func keyID(_ text: String) throws(KeyringCommandError) -> DataKeyID {
        guard let id = DataKeyID(hex: text.lowercased()) else { throw .badKeyID(text) }
        return id
    }

    /// The keyring's INFO lines: whether gossip is encrypted, the primary key and every key.
    private func keyringFields(_ node: Node) async -> [RESPInfoField] {
        let state = await node.keyringState()
        let mode =
            state.encrypting
            ? "xchacha20poly1305"
            : node.configuration.identity.isOpen ? "off (open cluster: in clear)" : "off (no data key)"
        return [
            RESPInfoField("encryption", mode),
            RESPInfoField("keyring_primary", state.primary?.description ?? "none"),
            RESPInfoField("keyring_keys", state.keys.map(\.description).joined(separator: " ")),
        ]
    }

    /// Where the data lives and how it reaches the disk, for INFO.
    private func storageFields(_ node: Node, status: NodeStatus) -> [RESPInfoField] {
        [
            RESPInfoField("data_dir", node.configuration.storage?.directory ?? "(in memory)"),
            RESPInfoField("fsync", node.configuration.storage.map { "\($0.fsync)" } ?? "none"),
            RESPInfoField("data_epoch", "\(status.dataEpoch)"),
            RESPInfoField("origin", "\(status.origin)"),
            RESPInfoField("clock_fenced", status.clockFence == nil ? "0" : "1"),
            RESPInfoField("clock_ahead_ms", "\(status.clockFence?.aheadMilliseconds ?? 0)"),
        ]
    }

    func changes() -> AsyncStream<Entry> {
        guard let node = current else { return AsyncStream { $0.finish() } }
        let source = node.changes
        return AsyncStream(bufferingPolicy: .bufferingNewest(4_096)) { continuation in
            let task = Task {
                for await change in source where change.source != .expired {
                    continuation.yield(change.entry)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Writes and this node's expiries (`expired` keyspace events).
    func keyspaceChanges() -> AsyncStream<KeyspaceChange> {
        guard let node = current else { return AsyncStream { $0.finish() } }
        let source = node.changes
        return AsyncStream(bufferingPolicy: .bufferingNewest(4_096)) { continuation in
            let task = Task {
                for await change in source {
                    continuation.yield(
                        KeyspaceChange(entry: change.entry, expired: change.source == .expired))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension NodeRESPBackend {
    /// DBSIZE and INFO's keyspace line in one pass on the node's actor. The protocol's default
    /// walks `keys()` and then asks for each key's entry, one actor hop per key: over 5 s for
    /// 1M keys (Benchmarks/README.md, "Client benchmarks").
    func keyspaceStats() async -> RESPKeyspaceStats {
        await current?.keyspaceStats() ?? RESPKeyspaceStats(keys: 0, expiring: 0)
    }

    /// One SCAN page from the map's SCAN-order index (`LWWMap.scanPage`): O(page) in one hop,
    /// where the protocol's default sorts every live key for each page.
    func scan(cursor: UInt64, count: Int) async -> RESPScanPage {
        await current?.scanPage(cursor: cursor, count: count) ?? RESPScanPage(keys: [], nextCursor: 0)
    }

    /// A pipelined run of plain GETs and SETs in one hop to the node's actor.
    func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult] {
        guard let node = current else {
            return operations.map { operation in
                if case .get = operation { .value(nil) } else { .refused(NotReady.starting.description) }
            }
        }
        return await node.perform(operations)
    }

    /// Runs inside the node's actor when called on its event loop (the one its clients are
    /// served on); nil elsewhere, or when the batch would wait (`Node.performNow`).
    func performNow(_ operations: [RESPOperation]) -> [RESPOperationResult]? {
        guard let node = current, node.homeLoop.inEventLoop else { return nil }
        return node.assumeIsolated { $0.performNow(operations) }
    }

    func afterDeferredLogWrite(_ body: @escaping @Sendable (_ logged: Bool) -> Void) -> Bool {
        guard let node = current, node.homeLoop.inEventLoop else { return false }
        return node.assumeIsolated { $0.afterDeferredLogWrite(body) }
    }
}

extension Node {
    /// Runs `operations` in order inside the actor: the same reads and writes `get` and `put`
    /// do, without a hop between them. The batch's writes are logged together (one `write(2)`)
    /// and published, counted and timed once, before any reply goes out; with fsync `always`
    /// the batch then waits for one fsync, which lets other work of the actor run meanwhile.
    func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult] {
        let writes = operations.contains(where: \.isWrite)
        if writes { await waitForFirstWrite() }
        var (results, writeResults) = performInTurn(operations)
        guard !writeResults.isEmpty else { return results }
        do throws(NodeWriteError) {
            try await waitUntilDurable()
        } catch {
            for index in writeResults { results[index] = .refused(error.description) }
        }
        return results
    }

    /// `perform` when it needs no wait (no write, or writes that may go now and need no fsync
    /// before their replies); nil when it would wait. Runs in the caller's turn of the actor.
    func performNow(_ operations: [RESPOperation]) -> [RESPOperationResult]? {
        if operations.contains(where: \.isWrite) {
            guard WallClock.nowMilliseconds() >= firstWriteNotBefore, !repliesWaitForFsync else { return nil }
        }
        return performInTurn(operations, deferringLog: true).results
    }

    /// The reads and writes of `perform`, in one actor turn: the results, and the indexes of the
    /// writes that were applied (they are refused if the log then fails).
    private func performInTurn(_ operations: [RESPOperation], deferringLog: Bool = false) -> (
        results: [RESPOperationResult], writes: [Int]
    ) {
        var results: [RESPOperationResult] = []
        results.reserveCapacity(operations.count)
        var written: [Entry] = []
        var writeResults: [Int] = []
        // One clock read for the batch: its commands run within microseconds of each other, and
        // each write still gets its own HLC tick.
        let now = WallClock.nowMilliseconds()
        for operation in operations {
            switch operation {
            case let .get(key):
                results.append(.value(get(key, now: now)))
            case let .put(key, value):
                do {
                    written.append(try applyLocalWrite(key, value: value, expiry: nil, now: now))
                    writeResults.append(results.count)
                    results.append(.written)
                } catch {
                    results.append(.refused(error.description))
                }
            }
        }
        guard !written.isEmpty else { return (results, []) }
        do throws(NodeWriteError) {
            if !finishLocalWrites(written, deferringLog: deferringLog) { try checkWritable() }
        } catch {
            for index in writeResults { results[index] = .refused(error.description) }
            return (results, [])
        }
        return (results, writeResults)
    }

    /// One SCAN page of the keys a read sees now, in `RESPScanPage`'s cursor order.
    func scanPage(cursor: UInt64, count: Int) -> RESPScanPage {
        let now = engine.replica.readTime(physical: WallClock.nowMilliseconds())
        let page = engine.replica.map.scanPage(from: cursor, count: count, visibleAt: now)
        return RESPScanPage(keys: page.keys, nextCursor: page.nextCursor)
    }

    /// Live keys (not deleted, not expired) and how many of them have a deadline.
    func keyspaceStats() -> RESPKeyspaceStats {
        let now = engine.replica.readTime(physical: WallClock.nowMilliseconds())
        var stats = RESPKeyspaceStats(keys: 0, expiring: 0)
        engine.replica.map.forEachEntry { entry in
            guard entry.visibleValue(at: now) != nil else { return }
            stats.keys += 1
            if entry.expiry != nil { stats.expiring += 1 }
        }
        return stats
    }
}

/// Why `KEYRING USE/REMOVE/INSTALL` could not read its argument.
enum KeyringCommandError: Error, CustomStringConvertible {
    case notBase64
    case badKeyID(String)

    var description: String {
        switch self {
        case .notBase64: return "the key must be 32 bytes in base64 (the second line of a data key file)"
        case let .badKeyID(text): return "'\(text)' is not a key id (8 hex digits, as KEYRING LIST shows)"
        }
    }
}

extension MemberAddress {
    /// `host:clientPort`: where the member serves RESP clients (if its RESP port listens on
    /// the advertised host; by default it binds 127.0.0.1, reachable from the same machine).
    var clientAddressDescription: String {
        var withClientPort = self
        withClientPort.gossipPort = clientPort
        return withClientPort.description
    }
}
