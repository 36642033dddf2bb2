import GossipKVCore

/// Redis keyspace notifications for one subscriber: which channels and patterns it listens to,
/// and the messages a change produces for it.
///
/// A change is an applied `Entry`, local or replicated, so its event name is derived from the
/// entry: a tombstone is `del`; a value is `set`, followed by `expire` when it carries a
/// deadline. (Redis would name INCR's change `incrby` and EXPIRE's `expire` alone; the entry
/// does not say which command made it.) Each event goes to `__keyspace@0__:<key>` with the
/// event as message and to `__keyevent@0__:<event>` with the key as message.
///
/// `expired` is sent when the backend reports a deadline passing (`KeyspaceChange.expired`):
/// the node reports each expiry once, when a read or its sweep finds the deadline past.
public struct KeyspaceSubscriptions: Sendable {
    public var channels: Set<[UInt8]>
    public var patterns: [GlobPattern]

    public init(channels: Set<[UInt8]> = [], patterns: [GlobPattern] = []) {
        self.channels = channels
        self.patterns = patterns
    }

    public var isEmpty: Bool { channels.isEmpty && patterns.isEmpty }

    public static let keyspacePrefix = Array("__keyspace@0__:".utf8)
    public static let keyeventPrefix = Array("__keyevent@0__:".utf8)

    /// The event names of a change, in the order Redis would send them.
    public static func events(for entry: Entry) -> [String] {
        if entry.isTombstone { return ["del"] }
        return entry.expiry == nil ? ["set"] : ["set", "expire"]
    }

    /// The event names of a change or an expiry.
    public static func events(for change: KeyspaceChange) -> [String] {
        change.expired ? ["expired"] : events(for: change.entry)
    }

    /// The pub/sub messages a write produces for this subscriber.
    public func messages(for entry: Entry) -> [RESPValue] { messages(for: KeyspaceChange(entry: entry)) }

    /// The pub/sub messages `change` produces for this subscriber: `message` for each matching
    /// channel, `pmessage` for each matching pattern. They are push frames: RESP3 marks them as
    /// not being replies; RESP2 writes them as plain arrays.
    public func messages(for change: KeyspaceChange) -> [RESPValue] {
        let entry = change.entry
        var result: [RESPValue] = []
        for event in Self.events(for: change) {
            let eventBytes = Array(event.utf8)
            deliver(channel: Self.keyspacePrefix + entry.key, message: eventBytes, into: &result)
            deliver(channel: Self.keyeventPrefix + eventBytes, message: entry.key, into: &result)
        }
        return result
    }

    private func deliver(channel: [UInt8], message: [UInt8], into result: inout [RESPValue]) {
        if channels.contains(channel) {
            result.append(.push([.bulk("message"), .bulkString(channel), .bulkString(message)]))
        }
        for pattern in patterns where pattern.matches(channel) {
            result.append(
                .push([
                    .bulk("pmessage"), .bulkString(pattern.pattern), .bulkString(channel),
                    .bulkString(message),
                ]))
        }
    }
}
