import GossipKVRESP

extension NodeSettings {
    /// The TLS listener for Redis clients, from `tls-port`, `tls-cert-file` and `tls-key-file`
    /// (all three, or none).
    func tlsConfiguration() throws(SettingsError) -> RESPTLSConfiguration? {
        let port = int(.tlsPort)
        let certificate = string(.tlsCertFile)
        let key = string(.tlsKeyFile)
        if port == nil && certificate == nil && key == nil { return nil }
        guard let port else { throw .incompleteTLS(missing: "tls-port") }
        guard let certificate else { throw .incompleteTLS(missing: "tls-cert-file") }
        guard let key else { throw .incompleteTLS(missing: "tls-key-file") }
        return RESPTLSConfiguration(port: port, certificateChainFile: certificate, privateKeyFile: key)
    }
}
