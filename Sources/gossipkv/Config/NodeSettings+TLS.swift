/// The TLS listener's settings: `tls-port`, `tls-cert-file` and `tls-key-file`.
struct TLSSettings: Equatable, Sendable {
    var port: Int
    var certificateChainFile: String
    var privateKeyFile: String
}

extension NodeSettings {
    /// The TLS listener for Redis clients (all three settings, or none).
    func tlsSettings() throws(SettingsError) -> TLSSettings? {
        let port = int(.tlsPort)
        let certificate = string(.tlsCertFile)
        let key = string(.tlsKeyFile)
        if port == nil && certificate == nil && key == nil { return nil }
        guard let port else { throw .incompleteTLS(missing: "tls-port") }
        guard let certificate else { throw .incompleteTLS(missing: "tls-cert-file") }
        guard let key else { throw .incompleteTLS(missing: "tls-key-file") }
        return TLSSettings(port: port, certificateChainFile: certificate, privateKeyFile: key)
    }
}
