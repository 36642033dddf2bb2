import NIOCore

/// How a `RESPServer` listens and what it tolerates from clients.
public struct RESPServerConfiguration: Sendable {
    /// Address to bind. Loopback by default: a node is reachable by clients on other machines
    /// only when its operator says so (`--resp-bind`).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free port (tests), see `RESPServer.localAddress`.
    public var port: Int = 7379
    public var limits: RESPLimits = .standard
    /// Connections beyond this are answered `-ERR max number of clients reached` and closed.
    public var maxClients: Int = 10_000
    /// A client that sends nothing for this long is disconnected (Redis's `timeout`); nil, the
    /// default as in Redis, never. Subscribed clients are exempt, as in Redis.
    public var idleTimeout: TimeAmount? = nil
    /// Commands one connection may have decoded but not yet answered before the server stops
    /// reading from it: pipelining is fast, yet a client that never reads its replies cannot
    /// make the server buffer without bound. Their argument bytes are bounded too, by
    /// `limits.maxCommandBytes`.
    public var maxPendingCommands: Int = 1024
    /// How long `stop()` lets connections finish the commands they already sent.
    public var shutdownGracePeriod: TimeAmount = .seconds(2)
    /// Redis's `requirepass`: when set, a connection may send only AUTH, HELLO ... AUTH and QUIT
    /// until it gives this password (`-NOAUTH` otherwise). Nil: no password.
    public var requirePassword: ClientPassword? = nil
    /// Redis's protected mode: with no password set, connections from other machines (peers
    /// outside the loopback network) are answered `-DENIED` and closed. It only matters when
    /// `host` is not a loopback address, since a loopback listener has only loopback peers.
    public var protectedMode = true
    /// A TLS listener beside the plain one (Redis's `tls-port`); nil, the default, serves none.
    public var tls: RESPTLSConfiguration? = nil

    public init() {}

    public init(
        host: String = "127.0.0.1", port: Int, limits: RESPLimits = .standard, maxClients: Int = 10_000,
        idleTimeout: TimeAmount? = nil
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.maxClients = maxClients
        self.idleTimeout = idleTimeout
    }
}
