import NIOCore
import NIOPosix

extension RESPServer {
    /// Binds the TLS listener (see `start(acceptingClients:)`); each connection gets the TLS
    /// handler first, then the same pipeline as a plain one.
    func startTLS(_ tls: RESPTLSConfiguration, acceptingClients: Bool) async throws -> SocketAddress {
        let security = tls.security
        let configuration = configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.autoRead, value: acceptingClients)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try security.secure(channel)
                    try self.initialize(channel, configuration)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: tls.port).get()
        } catch {
            throw RESPServerError.bindFailed(host: configuration.host, port: tls.port, reason: "\(error)")
        }
        tlsListener.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            throw RESPServerError.bindFailed(
                host: configuration.host, port: tls.port, reason: "no local address")
        }
        logger.info("listening for Redis clients over TLS", metadata: ["resp.address": "\(address)"])
        return address
    }
}
