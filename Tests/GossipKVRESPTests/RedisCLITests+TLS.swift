import Foundation
import GossipKVRESP
import GossipKVTLS
import NIOCore
import Testing

/// A self-signed certificate for 127.0.0.1 made with the openssl command (`apt-get install -y
/// openssl`), in a fresh directory; nil when openssl is missing.
func makeTestCertificate() throws -> (directory: URL, certificate: String, key: String)? {
    let openssl = "/usr/bin/openssl"
    guard FileManager.default.isExecutableFile(atPath: openssl) else { return nil }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "gkv-tls-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let certificate = directory.appendingPathComponent("cert.pem").path
    let key = directory.appendingPathComponent("key.pem").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: openssl)
    process.arguments = [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
        "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return (directory, certificate, key)
}

extension RedisCLITests {
    @Test(
        "redis-cli --tls --cacert talks to the TLS port; a plain client there gets nothing; the plain port still works"
    )
    func tls() async throws {
        let made = try makeTestCertificate()
        let (directory, certificate, key) = try #require(made, "openssl is not installed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let security = try NIOSSLConnectionSecurity(certificateChainFile: certificate, privateKeyFile: key)
        try await withServer({
            $0.tls = RESPTLSConfiguration(port: 0, security: security)
        }) { (server, address, _) async throws in
            let tlsPort = String(try #require(server.tlsLocalAddress?.port))
            let secure = ["--tls", "--cacert", certificate, "-h", "127.0.0.1", "-p", tlsPort]
            #expect(try await runRedisCLI(secure + ["SET", "sealed", "v1"]) == CLIResult(output: "OK"))
            #expect(try await runRedisCLI(secure + ["GET", "sealed"]) == CLIResult(output: "v1"))
            let plainOnTLS = try await runRedisCLI(["-h", "127.0.0.1", "-p", tlsPort, "PING"])
            #expect(plainOnTLS.output != "PONG", "\(plainOnTLS)")
            let plain = String(address.port ?? 0)
            #expect(try await runRedisCLI(["-p", plain, "GET", "sealed"]) == CLIResult(output: "v1"))
        }
    }

    @Test("a missing certificate file is refused with a sentence naming the flags")
    func tlsMissingFile() {
        do {
            _ = try NIOSSLConnectionSecurity(
                certificateChainFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem")
            Issue.record("TLS was set up without its certificate")
        } catch {
            #expect("\(error)".contains("--tls-cert-file"))
        }
    }
}
