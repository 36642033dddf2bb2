import NIOCore
import NIOPosix
import NIOSSL

extension RESPServer {
    /// The TLS context for `tls`: its certificate chain and key, TLS 1.2 or later, no client
    /// certificates. Read once at start: a bad file stops the server with the reason.
    static func makeSSLContext(_ tls: RESPTLSConfiguration) throws(RESPServerError) -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainFile).map {
                NIOSSLCertificateSource.certificate($0)
            }
            guard !chain.isEmpty else {
                throw RESPServerError.tlsSetupFailed(
                    reason: "\(tls.certificateChainFile) holds no PEM certificate")
            }
            let key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.certificateVerification = .none
            return try NIOSSLContext(configuration: configuration)
        } catch let error as RESPServerError {
            throw error
        } catch {
            throw .tlsSetupFailed(reason: "\(error)")
        }
    }

    /// Binds the TLS listener (see `start(acceptingClients:)`); each connection gets the TLS
    /// handler first, then the same pipeline as a plain one.
    func startTLS(_ tls: RESPTLSConfiguration, acceptingClients: Bool) async throws -> SocketAddress {
        let context = try Self.makeSSLContext(tls)
        let configuration = configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.autoRead, value: acceptingClients)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
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
