import GossipKVCore
import NIOConcurrencyHelpers

/// One applied change, local or replicated, or a deadline passing: what `Node.changes` yields.
public struct Change: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case local
        case remote
        /// `entry`'s deadline passed on this node: the key now reads as absent. Not a write and
        /// not replicated: every node holding the entry reports its own expiry (once).
        case expired
    }

    public var entry: Entry
    public var source: Source

    public var key: [UInt8] { entry.key }
    /// The value a read sees after the change: nil for a delete or an expiry.
    public var value: [UInt8]? { source == .expired ? nil : entry.value }
}

/// Fans changes out to any number of subscribers. A slow subscriber loses its oldest changes
/// (bounded buffer) rather than slowing writes: writes never wait.
final class ChangeFeed: Sendable {
    private let subscribers = NIOLockedValueBox<[Int: AsyncStream<Change>.Continuation]>([:])
    private let nextID = NIOLockedValueBox(0)
    let bufferSize: Int

    init(bufferSize: Int = 4_096) { self.bufferSize = bufferSize }

    func subscribe() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream(
            bufferingPolicy: .bufferingNewest(bufferSize))
        let id = nextID.withLockedValue { value in
            value += 1
            return value
        }
        subscribers.withLockedValue { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Publishes local writes in order: one lock for the whole batch, and nothing built when
    /// no one subscribes (the common case on the pipelined write path).
    func publishLocal(_ entries: [Entry]) {
        let targets: [AsyncStream<Change>.Continuation] = subscribers.withLockedValue {
            $0.isEmpty ? [] : Array($0.values)
        }
        guard !targets.isEmpty else { return }
        for entry in entries {
            let change = Change(entry: entry, source: .local)
            for continuation in targets { continuation.yield(change) }
        }
    }

    func publish(_ change: Change) {
        let targets = subscribers.withLockedValue { Array($0.values) }
        for continuation in targets { continuation.yield(change) }
    }

    func finish() {
        let targets = subscribers.withLockedValue { table -> [AsyncStream<Change>.Continuation] in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
