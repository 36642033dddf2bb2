import GossipKVCore
import NIOConcurrencyHelpers
import NIOCore

/// Delivers keyspace notifications to one subscribed connection: a task reads the backend's
/// change stream and writes the matching messages to the channel.
///
/// Ordering with SUBSCRIBE's confirmation: the connection calls `prepare` (which opens the
/// change stream) before it writes the confirmation, and `update` with the new subscriptions
/// after. So every change made after the client saw the confirmation is delivered, and no
/// message for a channel is written before that channel's confirmation.
///
/// A client that does not read its messages stalls only this task (it awaits each write); the
/// backend's stream then drops the oldest changes for it, and writes never wait.
final class KeyspaceNotifier: Sendable {
    private struct State {
        var subscriptions = KeyspaceSubscriptions()
        /// The connection's protocol: messages are push frames in RESP3, arrays in RESP2.
        var protocolVersion = RESPProtocolVersion.resp2
        var task: Task<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())
    private let backend: any RESPBackend
    private let channel: any Channel

    init(backend: any RESPBackend, channel: any Channel) {
        self.backend = backend
        self.channel = channel
    }

    /// Starts listening when `subscriptions` will be non-empty and nothing listens yet.
    func prepare(for subscriptions: KeyspaceSubscriptions) {
        guard !subscriptions.isEmpty else { return }
        let needed = state.withLockedValue { $0.task == nil }
        guard needed else { return }
        let changes = backend.keyspaceChanges()
        let task = Task { [state, channel] in
            for await change in changes {
                let (current, version) = state.withLockedValue { ($0.subscriptions, $0.protocolVersion) }
                let messages = current.messages(for: change)
                if messages.isEmpty { continue }
                var buffer = channel.allocator.buffer(capacity: 128)
                for message in messages { buffer.writeRESPValue(message, as: version) }
                do {
                    try await channel.writeAndFlush(buffer)
                } catch {
                    return
                }
            }
        }
        state.withLockedValue { $0.task = task }
    }

    /// Keeps only what is still subscribed (call before writing UNSUBSCRIBE confirmations).
    func narrow(to subscriptions: KeyspaceSubscriptions) {
        state.withLockedValue { current in
            current.subscriptions.channels.formIntersection(subscriptions.channels)
            current.subscriptions.patterns.removeAll { !subscriptions.patterns.contains($0) }
        }
    }

    /// Routes by `subscriptions` from now on; stops listening when they are empty.
    func update(_ subscriptions: KeyspaceSubscriptions) {
        let stopped = state.withLockedValue { current -> Task<Void, Never>? in
            current.subscriptions = subscriptions
            guard subscriptions.isEmpty else { return nil }
            defer { current.task = nil }
            return current.task
        }
        stopped?.cancel()
    }

    /// Writes messages in `version` from now on (after HELLO).
    func use(_ version: RESPProtocolVersion) {
        state.withLockedValue { $0.protocolVersion = version }
    }

    func stop() { update(KeyspaceSubscriptions()) }
}
