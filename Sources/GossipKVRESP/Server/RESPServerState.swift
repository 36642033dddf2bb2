import NIOConcurrencyHelpers

/// Server-wide counters and settings that commands report (INFO, HELLO, CLIENT ID) and the
/// accept path updates. Shared by every connection, so it is a lock-protected class.
public final class RESPServerState: Sendable {
    public struct Counters: Sendable, Equatable {
        public var connectedClients = 0
        public var totalConnections = 0
        public var rejectedConnections = 0
        /// Connections closed for a protocol error (bad framing or a limit).
        public var protocolErrors = 0
        /// Connections closed for being idle.
        public var idleClosures = 0
        public var commandsProcessed = 0
        /// AUTH (or HELLO AUTH) attempts refused for a wrong password or user.
        public var authenticationFailures = 0
        /// Connections from other machines refused by protected mode.
        public var protectedModeRefusals = 0
        /// Connections closed for sending `POST` or `Host:` (an HTTP request: cross-protocol scripting).
        public var crossProtocolAttacks = 0
    }

    public let maxClients: Int
    private let started = ContinuousClock.now
    private let counters = NIOLockedValueBox(Counters())
    private let nextID = NIOLockedValueBox(Int64(0))
    private let boundPort = NIOLockedValueBox(0)
    private let clients = NIOLockedValueBox([Int64: RESPClientListing]())
    private let lastAttackWarning = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    public init(maxClients: Int = 10_000) { self.maxClients = maxClients }

    public var snapshot: Counters { counters.withLockedValue { $0 } }

    public var uptimeSeconds: Int64 {
        let elapsed = ContinuousClock.now - started
        return elapsed.components.seconds
    }

    public var port: Int {
        get { boundPort.withLockedValue { $0 } }
        set { boundPort.withLockedValue { $0 = newValue } }
    }

    /// A fresh client id (CLIENT ID): 1, 2, 3, ... for this server run.
    public func makeClientID() -> Int64 {
        nextID.withLockedValue { value in
            value += 1
            return value
        }
    }

    /// Counts an accepted connection; false (and counted as rejected) when `maxClients` are
    /// already connected.
    func admit() -> Bool {
        counters.withLockedValue { counters in
            counters.totalConnections += 1
            guard counters.connectedClients < maxClients else {
                counters.rejectedConnections += 1
                return false
            }
            counters.connectedClients += 1
            return true
        }
    }

    func release() { counters.withLockedValue { $0.connectedClients -= 1 } }

    /// The open connections as of their last answered batch (CLIENT LIST).
    public var clientListings: [Int64: RESPClientListing] { clients.withLockedValue { $0 } }

    /// Records a connection's listing; nil removes it (the connection closed).
    func record(_ listing: RESPClientListing?, id: Int64) {
        clients.withLockedValue { $0[id] = listing }
    }

    func update(_ body: (inout Counters) -> Void) { counters.withLockedValue { body(&$0) } }

    /// Counts a cross-protocol attempt; true when it should be logged (the first, then at most
    /// once a minute, as Redis does, so a hostile page cannot flood the log).
    func noteCrossProtocolAttack() -> Bool {
        update { $0.crossProtocolAttacks += 1 }
        let now = ContinuousClock.now
        return lastAttackWarning.withLockedValue { last in
            if let previous = last, now - previous < .seconds(60) { return false }
            last = now
            return true
        }
    }
}
