import Foundation
import GossipKVNode
import GossipKVRESP
import Prometheus
import Testing

@testable import gossipkv

/// Where `gossipkv node` takes the Redis clients' password and protected mode from.
@Suite("node settings: client password and protected mode")
struct ClientPasswordSettingsTests {
    struct Missing: Error {}

    static func files(_ contents: [String: String]) -> (String) throws -> Data {
        { path in
            guard let text = contents[path] else { throw Missing() }
            return Data(text.utf8)
        }
    }

    @Test("--requirepass-file is read without its trailing line break; there is no --requirepass flag")
    func passwordFile() throws {
        let flags = try NodeCommand.parse(["--requirepass-file", "/etc/gossipkv/pass"]).flagSettings()
        let read = Self.files(["/etc/gossipkv/pass": "hunter2\n"])
        #expect(try flags.clientPassword(readFile: read) == ClientPassword("hunter2"))
        let windows = try NodeCommand.parse(["--requirepass-file", "/p"]).flagSettings()
        #expect(try windows.clientPassword(readFile: Self.files(["/p": "pw\r\n"])) == ClientPassword("pw"))
        #expect(throws: (any Error).self) { try NodeCommand.parse(["--requirepass", "hunter2"]) }
        #expect(try NodeSettings().clientPassword(readFile: read) == nil)
    }

    @Test("an unreadable or empty password file stops the node with a message naming the file")
    func passwordFileErrors() throws {
        let flags = try NodeCommand.parse(["--requirepass-file", "/p"]).flagSettings()
        #expect(
            throws: SettingsError.passwordFile(
                path: "/p", problem: "it is empty; write the password in it, or drop the setting")
        ) {
            try flags.clientPassword(readFile: Self.files(["/p": "\n"]))
        }
        do {
            _ = try flags.clientPassword(readFile: Self.files([:]))
            Issue.record("a missing password file was accepted")
        } catch {
            #expect(error.description.hasPrefix("requirepass-file /p: cannot read it"))
        }
    }

    @Test(
        "GOSSIPKV_REQUIREPASS and the file's requirepass set it; a higher source's file replaces a lower one's password"
    )
    func passwordSources() throws {
        let environment = try NodeSettings.environment(["GOSSIPKV_REQUIREPASS": "from-env"])
        let file = try ConfigFile.parse("requirepass: from-file\n", path: "node.yaml")
        let merged = try NodeSettings.merged(flags: NodeSettings(), environment: environment, file: file)
        #expect(try merged.clientPassword(readFile: Self.files([:])) == ClientPassword("from-env"))
        let flags = try NodeCommand.parse(["--requirepass-file", "/p"]).flagSettings()
        let overridden = try NodeSettings.merged(flags: flags, environment: environment, file: file)
        #expect(overridden[.requirepass] == nil)
        #expect(
            try overridden.clientPassword(readFile: Self.files(["/p": "from-flag"]))
                == ClientPassword("from-flag"))
        let both = try ConfigFile.parse("requirepass: a\nrequirepass-file: /p\n", path: "node.yaml")
        #expect(throws: SettingsError.self) {
            try NodeSettings.merged(flags: NodeSettings(), environment: NodeSettings(), file: both)
        }
    }

    @Test("protected mode is on by default; --no-protected-mode and GOSSIPKV_PROTECTED_MODE turn it off")
    func protectedMode() throws {
        func resp(_ settings: NodeSettings) throws -> RESPServerConfiguration? {
            var configuration = NodeConfiguration(
                name: "n", identity: try NodeIdentity.open(name: "n", now: 1_000))
            settings.apply(to: &configuration, registry: PrometheusCollectorRegistry())
            return configuration.resp
        }
        #expect(try resp(NodeSettings())?.protectedMode == true)
        #expect(try resp(NodeCommand.parse(["--no-protected-mode"]).flagSettings())?.protectedMode == false)
        let environment = try NodeSettings.environment(["GOSSIPKV_PROTECTED_MODE": "no"])
        #expect(try resp(environment)?.protectedMode == false)
    }

    @Test(
        "maxclients defaults to 10000 and is set by --maxclients or GOSSIPKV_MAXCLIENTS; RESP limits follow the cluster's"
    )
    func maxClientsAndLimits() throws {
        func resp(_ settings: NodeSettings) throws -> RESPServerConfiguration? {
            var configuration = NodeConfiguration(
                name: "n", identity: try NodeIdentity.open(name: "n", now: 1_000))
            configuration.gossip.limits.maxValueBytes = 1_000
            settings.apply(to: &configuration, registry: PrometheusCollectorRegistry())
            return configuration.resp
        }
        #expect(try resp(NodeSettings())?.maxClients == 10_000)
        #expect(try resp(NodeCommand.parse(["--maxclients", "50"]).flagSettings())?.maxClients == 50)
        #expect(try resp(NodeSettings.environment(["GOSSIPKV_MAXCLIENTS": "7"]))?.maxClients == 7)
        #expect(throws: (any Error).self) { try NodeCommand.parse(["--maxclients", "0"]) }
        #expect(try resp(NodeSettings())?.limits.maxBulkBytes == 64 * 1024 + RESPLimits.bulkSlackBytes)
    }

    @Test("--tls-port, --tls-cert-file and --tls-key-file go together; one alone says what is missing")
    func tlsSettings() throws {
        let flags = try NodeCommand.parse([
            "--tls-port", "6380", "--tls-cert-file", "/etc/gossipkv/cert.pem", "--tls-key-file",
            "/etc/gossipkv/key.pem",
        ]).flagSettings()
        #expect(
            try flags.tlsSettings()
                == TLSSettings(
                    port: 6380, certificateChainFile: "/etc/gossipkv/cert.pem",
                    privateKeyFile: "/etc/gossipkv/key.pem"))
        #expect(try NodeSettings().tlsSettings() == nil)
        let portOnly = try NodeCommand.parse(["--tls-port", "6380"]).flagSettings()
        #expect(throws: SettingsError.incompleteTLS(missing: "tls-cert-file")) {
            try portOnly.tlsSettings()
        }
        let environment = try NodeSettings.environment([
            "GOSSIPKV_TLS_CERT_FILE": "/c", "GOSSIPKV_TLS_KEY_FILE": "/k",
        ])
        #expect(throws: SettingsError.incompleteTLS(missing: "tls-port")) {
            try environment.tlsSettings()
        }
    }
}
