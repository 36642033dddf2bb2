import NIOCore
import NIOPosix

extension RESPServer {
    /// Binds the TLS listener (see `start(acceptingClients:)`); each connection gets the TLS
    /// handler first, then the same pipeline as a plain one.
    func startTLS(_ tls: RESPTLSConfiguration, acceptingClients: Bool) async throws -> SocketAddress {
        let security = tls.security
        let bootstrap = listenerBootstrap(acceptingClients: acceptingClients) { try security.secure($0) }
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
