import NIOCore

/// Redis's TLS port (`tls-port`): a second listener on the same address whose connections begin
/// with a TLS handshake and then speak RESP as on the plain port, under the same password,
/// protected mode and limits. It keeps the password and the data from anyone watching the
/// network.
public struct RESPTLSConfiguration: Sendable {
    /// Port to bind; 0 picks a free port (tests), see `RESPServer.tlsLocalAddress`.
    public var port: Int
    /// What makes each connection TLS (`NIOSSLConnectionSecurity` in GossipKVTLS).
    public var security: any RESPConnectionSecurity

    public init(port: Int, security: any RESPConnectionSecurity) {
        self.port = port
        self.security = security
    }
}

/// The TLS side of a connection, supplied by a TLS library. GossipKVRESP links none: the node's
/// CLI brings swift-nio-ssl through GossipKVTLS, so an embedder or a fuzz target that only needs
/// the RESP server does not build BoringSSL.
public protocol RESPConnectionSecurity: Sendable {
    /// Adds the TLS handler(s) at the front of a new connection's pipeline, on its event loop,
    /// before the RESP handlers.
    func secure(_ channel: any Channel) throws
}
