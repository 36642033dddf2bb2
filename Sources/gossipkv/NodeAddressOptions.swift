import ArgumentParser
import Foundation
import GossipKVNode

/// `--node` and `--timeout`, shared by every client command (`get`, `set`, `del`, `keys`,
/// `members`, `status`). The address is a node's RESP port, the one redis-cli uses.
struct NodeAddressOptions: ParsableArguments {
    static let defaultAddress = "127.0.0.1:7379"

    @Option(
        name: .customLong("node"),
        help: ArgumentHelp(
            "The node's RESP address (default 127.0.0.1:7379, or GOSSIPKV_NODE).", valueName: "host:port"))
    var node: String?

    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp(
            "A file holding the node's password (its --requirepass-file), or set GOSSIPKV_PASSWORD.",
            valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for the node before giving up.", valueName: "seconds"))
    var timeout: Double = 5

    /// `--node`, else `GOSSIPKV_NODE`, else the default; a bare host gets port 7379.
    func address(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientError)
        -> HostPort
    {
        let text =
            node ?? environment["GOSSIPKV_NODE"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultAddress
        do {
            return try HostPort(parsing: text, defaultPort: 7379)
        } catch {
            throw .invalidAddress(text)
        }
    }

    func validate() throws {
        do {
            _ = try address()
        } catch {
            throw ValidationError(error.description)
        }
        guard timeout > 0, timeout <= 3_600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
    }

    /// The node's password: `--password-file` (its last line break dropped), else
    /// `GOSSIPKV_PASSWORD`, else none. Never an argument: argv is readable by every user.
    func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientError)
        -> [UInt8]?
    {
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw .passwordFile(path: passwordFile, reason: "it cannot be read")
            }
            var bytes = [UInt8](data)
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard !bytes.isEmpty else { throw .passwordFile(path: passwordFile, reason: "it is empty") }
            return bytes
        }
        guard let text = environment["GOSSIPKV_PASSWORD"], !text.isEmpty else { return nil }
        return Array(text.utf8)
    }

    func connect() throws(ClientError) -> NodeClient {
        let address = try address()
        let password = try password()
        let client = try NodeClient(host: address.host, port: address.port, timeout: timeout)
        if let password { try client.authenticate(password) }
        return client
    }
}
