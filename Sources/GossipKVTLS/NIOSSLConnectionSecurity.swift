import GossipKVRESP
import NIOCore
import NIOSSL

/// TLS for the Redis port with swift-nio-ssl (BoringSSL): the server's certificate chain and
/// key from PEM files, TLS 1.2 or later. Clients are not asked for certificates (Redis's
/// `tls-auth-clients no`): they authenticate with the password.
public struct NIOSSLConnectionSecurity: RESPConnectionSecurity {
    private let context: NIOSSLContext

    /// Reads both files now, so a bad one stops the node at start with the reason.
    /// `privateKeyFile` holds an unencrypted PEM key and SHOULD be mode 0600.
    public init(certificateChainFile: String, privateKeyFile: String) throws(RESPServerError) {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile).map {
                NIOSSLCertificateSource.certificate($0)
            }
            guard !chain.isEmpty else {
                throw RESPServerError.tlsSetupFailed(
                    reason: "\(certificateChainFile) holds no PEM certificate")
            }
            let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.certificateVerification = .none
            context = try NIOSSLContext(configuration: configuration)
        } catch let error as RESPServerError {
            throw error
        } catch {
            throw .tlsSetupFailed(reason: "\(error)")
        }
    }

    public func secure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
    }
}
