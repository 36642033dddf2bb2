import Foundation
import Testing

@testable import gossipkv

/// `gossipkv node --config FILE`: the documented examples parse, and every mistake is reported
/// with the file, the line and the key.
@Suite("config files")
struct ConfigFileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func parse(_ text: String) throws(SettingsError) -> NodeSettings {
        try ConfigFile.parse(text, path: "config/lan-node.yaml")
    }

    @Test("config/lan-node.yaml, the documented LAN example, loads with every key it shows")
    func lanExample() throws {
        let path = Self.repository.appendingPathComponent("config/lan-node.yaml").path
        let settings = try ConfigFile.load(path: path)
        #expect(settings.string(.name) == "web1")
        #expect(settings.int(.gossipPort) == 7377)
        #expect(settings.int(.respPort) == 7379)
        #expect(settings.int(.metricsPort) == 7380)
        #expect(settings.string(.dataDir) == "/var/lib/gossipkv")
        #expect(settings.string(.fsync) == "batch")
        #expect(settings.string(.clusterSecretFile) == "/etc/gossipkv/cluster-secret")
        #expect(settings.string(.clusterName) == "web-lan")
        #expect(settings.bool(.multicast) == true)
        #expect(settings.list(.join) == ["10.0.0.5:7377", "10.0.0.6:7377"])
        #expect(settings.string(.logLevel) == "info")
    }

    @Test(
        "config/local-cluster.yaml describes node 1 of `gossipkv cluster`: 127.0.0.1, ports 7001/7101/7201, no multicast"
    )
    func localClusterExample() throws {
        let path = Self.repository.appendingPathComponent("config/local-cluster.yaml").path
        let settings = try ConfigFile.load(path: path)
        #expect(settings.string(.bind) == "127.0.0.1")
        #expect(settings.int(.respPort) == 7001)
        #expect(settings.int(.gossipPort) == 7101)
        #expect(settings.int(.metricsPort) == 7201)
        #expect(settings.bool(.multicast) == false)
        #expect(settings.list(.join)?.count == 3)
    }

    @Test("a value out of range names the file, the line and the key")
    func badValue() {
        let text = "# a node\nname: web1\n\ngossip-port: 70000\n"
        #expect(
            throws: SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 4, key: .gossipPort, given: "70000")
        ) {
            try Self.parse(text)
        }
        #expect(
            SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 12, key: .gossipPort, given: "x"
            ).description
                == "config/lan-node.yaml:12: gossip-port must be an integer 1-65535 (got 'x')")
    }

    @Test("an unknown key is an error naming it, suggesting the near one and listing the valid keys")
    func unknownKey() {
        let text = "name: a\ngossip_port: 7377\n"
        #expect(throws: SettingsError.unknownKey(path: "config/lan-node.yaml", line: 2, key: "gossip_port")) {
            try Self.parse(text)
        }
        let message = SettingsError.unknownKey(path: "f.yaml", line: 2, key: "gosip-port").description
        #expect(
            message.hasPrefix(
                "f.yaml:2: unknown key 'gosip-port' (did you mean 'gossip-port'?); valid keys: name, bind,"))
        #expect(message.contains("metrics-port"))
        #expect(message.contains("log-level"))
        #expect(
            !SettingsError.unknownKey(path: "f", line: 1, key: "colour").description.contains("did you mean"))
    }

    @Test("a repeated key points at the repetition")
    func duplicateKey() {
        #expect(throws: SettingsError.duplicateKey(path: "config/lan-node.yaml", line: 3, key: "name")) {
            try Self.parse("name: a\nbind: 0.0.0.0\nname: b\n")
        }
    }

    @Test("broken YAML reports the parser's line and column")
    func syntax() throws {
        do {
            _ = try Self.parse("name: a\nbind: [0.0.0.0\nresp-port: 1\n")
            Issue.record("expected a syntax error")
        } catch let SettingsError.syntax(path, line, _, problem) {
            #expect(path == "config/lan-node.yaml")
            #expect(line >= 2)
            #expect(!problem.isEmpty)
        }
    }

    @Test("the top level must be key: value lines; tables and lists are refused where one value belongs")
    func shapes() {
        #expect(throws: SettingsError.notAMapping(path: "config/lan-node.yaml", line: 1)) {
            try Self.parse("- a\n- b\n")
        }
        #expect(
            throws: SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 1, key: .name, given: "(a list or table)")
        ) {
            try Self.parse("name: [a, b]\n")
        }
        #expect(
            throws: SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 1, key: .bind, given: "")
        ) {
            try Self.parse("bind:\n")
        }
    }

    @Test("a bad seed in a join list points at its own line")
    func badSeed() {
        #expect(
            throws: SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 3, key: .join, given: "nohost:port")
        ) {
            try Self.parse("join:\n  - 10.0.0.5:7377\n  - nohost:port\n")
        }
    }

    @Test("values are read as text: yes is a name, a quoted number a port, multicast takes true/false")
    func textValues() throws {
        let settings = try Self.parse(
            "name: yes\nresp-port: \"7001\"\nmulticast: off\ncluster-secret: 0123\n")
        #expect(settings.string(.name) == "yes")
        #expect(settings.int(.respPort) == 7001)
        #expect(settings.bool(.multicast) == false)
        #expect(settings.string(.clusterSecret) == "0123")
        #expect(
            throws: SettingsError.invalidFileValue(
                path: "config/lan-node.yaml", line: 1, key: .multicast, given: "maybe")
        ) {
            try Self.parse("multicast: maybe\n")
        }
    }

    @Test("relative data-dir and cluster-dir are taken from the file's directory; an empty file sets nothing")
    func relativePaths() throws {
        let settings = try ConfigFile.parse(
            "data-dir: data\ncluster-dir: /etc/keys\n", path: "x.yaml", directory: "/srv/gkv")
        #expect(settings.string(.dataDir) == "/srv/gkv/data")
        #expect(settings.string(.clusterDir) == "/etc/keys")
        #expect(try ConfigFile.parse("# nothing yet\n", path: "x.yaml").values.isEmpty)
    }

    @Test("a missing file says so")
    func missingFile() {
        #expect(throws: SettingsError.unreadable(path: "/nonexistent/gkv.yaml", reason: "no such file")) {
            try ConfigFile.load(path: "/nonexistent/gkv.yaml")
        }
    }
}
