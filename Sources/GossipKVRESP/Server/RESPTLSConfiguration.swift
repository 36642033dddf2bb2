/// Redis's TLS port (`tls-port`, `tls-cert-file`, `tls-key-file`): a second listener on the
/// same address whose connections begin with a TLS handshake (swift-nio-ssl, BoringSSL, TLS
/// 1.2 or later) and then speak RESP as on the plain port, under the same password, protected
/// mode and limits. It keeps the password and the data from anyone watching the network.
///
/// The server does not ask clients for certificates (Redis's `tls-auth-clients no`): clients
/// authenticate with the password.
public struct RESPTLSConfiguration: Sendable, Equatable {
    /// Port to bind; 0 picks a free port (tests), see `RESPServer.tlsLocalAddress`.
    public var port: Int
    /// PEM file with the server's certificate, then any intermediate certificates.
    public var certificateChainFile: String
    /// PEM file with the certificate's private key (unencrypted); it SHOULD be mode 0600.
    public var privateKeyFile: String

    public init(port: Int, certificateChainFile: String, privateKeyFile: String) {
        self.port = port
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}
