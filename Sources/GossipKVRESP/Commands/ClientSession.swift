/// One connection's state as commands see it. Owned by the connection's task; commands change
/// it through `inout`, so no lock is needed.
public struct ClientSession: Sendable {
    /// Unique per server run (CLIENT ID), from 1.
    public let id: Int64
    public var name: String?
    public var libraryName: String?
    public var libraryVersion: String?
    /// Exact channels (SUBSCRIBE) and glob patterns (PSUBSCRIBE), in subscription order.
    public private(set) var channels: [[UInt8]] = []
    public private(set) var patterns: [[UInt8]] = []
    /// Remote address, for CLIENT INFO.
    public var address: String
    /// The reply protocol, chosen with HELLO; RESP2 until then.
    public var protocolVersion: RESPProtocolVersion = .resp2
    /// Commands queued since MULTI; nil outside a transaction.
    public internal(set) var queuedCommands: [RESPCommand]? = nil
    /// The argument bytes held in `queuedCommands`, bounded by `CommandExecutor.maxQueuedBytes`.
    public internal(set) var queuedBytes = 0
    /// True until the connection gives the password, when the server requires one: until then
    /// only AUTH, HELLO with AUTH and QUIT run (see `CommandExecutor.makeSession`).
    public internal(set) var awaitsAuthentication = false
    /// A command refused while queueing (unknown, wrong arity): EXEC then answers EXECABORT.
    public internal(set) var transactionFailed = false

    public init(id: Int64, address: String = "") {
        self.id = id
        self.address = address
    }

    /// While subscribed, a RESP2 client may only (un)subscribe, PING and QUIT; a RESP3 client
    /// may send anything, since its messages arrive as push frames that cannot be mistaken for
    /// replies.
    public var isSubscribed: Bool { !channels.isEmpty || !patterns.isEmpty }

    /// Between MULTI and EXEC (or DISCARD).
    public var isInTransaction: Bool { queuedCommands != nil }

    public var subscriptionCount: Int { channels.count + patterns.count }

    /// Adds a channel (or pattern); false when already there.
    mutating func subscribe(_ channel: [UInt8], pattern: Bool) -> Bool {
        if pattern {
            guard !patterns.contains(channel) else { return false }
            patterns.append(channel)
        } else {
            guard !channels.contains(channel) else { return false }
            channels.append(channel)
        }
        return true
    }

    /// Removes a channel (or pattern); false when it was not there.
    mutating func unsubscribe(_ channel: [UInt8], pattern: Bool) -> Bool {
        if pattern {
            guard let index = patterns.firstIndex(of: channel) else { return false }
            patterns.remove(at: index)
        } else {
            guard let index = channels.firstIndex(of: channel) else { return false }
            channels.remove(at: index)
        }
        return true
    }

    /// What the notifier needs to route changes to this client.
    public var subscriptions: KeyspaceSubscriptions {
        KeyspaceSubscriptions(channels: Set(channels), patterns: patterns.map(GlobPattern.init))
    }
}

/// The result of one command: the replies to send, in order (SUBSCRIBE to two channels answers
/// twice), and whether to close the connection once they are written (QUIT).
public struct CommandOutcome: Sendable, Equatable {
    public var replies: [RESPValue]
    public var closeAfterReply: Bool

    public init(_ replies: [RESPValue], closeAfterReply: Bool = false) {
        self.replies = replies
        self.closeAfterReply = closeAfterReply
    }

    public init(_ reply: RESPValue) { self.init([reply]) }
}
