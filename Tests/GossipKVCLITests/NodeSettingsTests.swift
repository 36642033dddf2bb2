import Foundation
import GossipKVNode
import GossipKVStorage
import Prometheus
import TestSupport
import Testing

@testable import gossipkv

/// The precedence rule of `gossipkv node`: flags > environment > config file > defaults.
@Suite("node settings: sources and precedence", .ownThreads)
struct NodeSettingsTests {
    static func file(_ text: String) throws -> NodeSettings {
        try ConfigFile.parse(text, path: "node.yaml")
    }

    static func flags(_ arguments: [String]) throws -> NodeSettings {
        try NodeCommand.parse(arguments).flagSettings()
    }

    @Test("a flag beats the environment, which beats the file, which beats the default")
    func precedence() throws {
        let file = try Self.file("gossip-port: 1001\nresp-port: 2001\nmetrics-port: 3001\nname: from-file\n")
        let environment = try NodeSettings.environment([
            "GOSSIPKV_GOSSIP_PORT": "1002", "GOSSIPKV_RESP_PORT": "2002",
        ])
        let flags = try Self.flags(["--gossip-port", "1003"])
        let merged = try NodeSettings.merged(flags: flags, environment: environment, file: file)
        #expect(merged.int(.gossipPort) == 1003)
        #expect(merged.int(.respPort) == 2002)
        #expect(merged.int(.metricsPort) == 3001)
        #expect(merged.string(.name) == "from-file")
        #expect(merged[.bind] == nil)
        #expect(merged.origins[.gossipPort] == "--gossip-port")
        #expect(merged.origins[.respPort] == "GOSSIPKV_RESP_PORT")
        #expect(merged.origins[.metricsPort] == "node.yaml:3")
    }

    @Test("gossipkv node reads --config or GOSSIPKV_CONFIG and layers the environment and flags over it")
    func commandSources() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gkv-settings-\(getpid()).yaml"
        ).path
        try "gossip-port: 1001\nresp-port: 2001\nmetrics-port: 3001\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = ["GOSSIPKV_CONFIG": path, "GOSSIPKV_RESP_PORT": "2002"]
        let settings = try NodeCommand.parse(["--metrics-port", "3003"]).settings(environment: environment)
        #expect(settings.int(.gossipPort) == 1001)
        #expect(settings.int(.respPort) == 2002)
        #expect(settings.int(.metricsPort) == 3003)
        let explicit = try NodeCommand.parse(["--config", "/nonexistent/x.yaml"])
        #expect(throws: SettingsError.unreadable(path: "/nonexistent/x.yaml", reason: "no such file")) {
            try explicit.settings(environment: environment)
        }
    }

    @Test(
        "what no source sets keeps the defaults: gossip 7377, RESP 127.0.0.1:7379, metrics 127.0.0.1:7380, multicast on"
    )
    func defaults() throws {
        let merged = try NodeSettings.merged(
            flags: Self.flags([]), environment: .environment([:]), file: NodeSettings())
        let identity = try NodeIdentity.open(name: "n", now: 1_000)
        var configuration = NodeConfiguration(name: "n", identity: identity)
        merged.apply(to: &configuration, registry: PrometheusCollectorRegistry())
        #expect(configuration.gossipPort == 7377)
        #expect(configuration.resp?.port == 7379)
        #expect(configuration.resp?.host == "127.0.0.1")
        #expect(configuration.metricsServer?.port == 7380)
        #expect(configuration.metricsServer?.host == "127.0.0.1")
        #expect(configuration.multicast?.group == "239.255.77.77")
        #expect(configuration.seeds.isEmpty)
    }

    @Test("metrics-port 0 turns the endpoint off; the other settings reach the configuration")
    func applyAll() throws {
        let file = try Self.file(
            """
            metrics-port: 0
            bind: 10.0.0.7
            advertise: 10.0.0.8
            resp-bind: 0.0.0.0
            join: [10.0.0.5:7377, 10.0.0.6:7377]
            multicast-interface: eth1
            multicast-group: 239.1.2.3
            multicast-port: 7400
            multicast-ttl: 3
            """)
        let merged = try NodeSettings.merged(flags: NodeSettings(), environment: NodeSettings(), file: file)
        var configuration = NodeConfiguration(
            name: "n", identity: try NodeIdentity.open(name: "n", now: 1_000))
        merged.apply(to: &configuration, registry: PrometheusCollectorRegistry())
        #expect(configuration.metricsServer == nil)
        #expect(configuration.bindHost == "10.0.0.7")
        #expect(configuration.advertisedHost == "10.0.0.8")
        #expect(configuration.resp?.host == "0.0.0.0")
        #expect(configuration.seeds == ["10.0.0.5:7377", "10.0.0.6:7377"])
        #expect(configuration.multicast?.interface == "eth1")
        #expect(configuration.multicast?.group == "239.1.2.3")
        #expect(configuration.multicast?.port == 7400)
        #expect(configuration.multicast?.ttl == 3)
    }

    @Test("--join replaces the file's seeds instead of adding to them; GOSSIPKV_JOIN is comma-separated")
    func joinLists() throws {
        let file = try Self.file("join:\n  - 10.0.0.1:7377\n")
        let environment = try NodeSettings.environment(["GOSSIPKV_JOIN": "10.0.0.2:7377, 10.0.0.3:7377"])
        #expect(
            try NodeSettings.merged(flags: NodeSettings(), environment: environment, file: file).list(.join)
                == ["10.0.0.2:7377", "10.0.0.3:7377"])
        let flags = try Self.flags(["--join", "10.0.0.4:7377", "--join", "10.0.0.5"])
        #expect(
            try NodeSettings.merged(flags: flags, environment: environment, file: file).list(.join)
                == ["10.0.0.4:7377", "10.0.0.5"])
    }

    @Test("the identity moves as a unit: a flag's --cluster-dir replaces the file's cluster-secret")
    func identityUnit() throws {
        let file = try Self.file("cluster-secret: correct horse\ncluster-name: lab\n")
        let merged = try NodeSettings.merged(
            flags: Self.flags(["--cluster-dir", "/keys"]), environment: NodeSettings(), file: file)
        #expect(merged.string(.clusterDir) == "/keys")
        #expect(merged[.clusterSecret] == nil)
        let environment = try NodeSettings.environment(["GOSSIPKV_CLUSTER_SECRET": "battery staple"])
        let fromEnvironment = try NodeSettings.merged(
            flags: NodeSettings(), environment: environment, file: file)
        #expect(fromEnvironment.string(.clusterSecret) == "battery staple")
        #expect(fromEnvironment.string(.clusterName) == "lab")
    }

    @Test("one source naming both identities is refused, naming both origins")
    func identityContradiction() throws {
        let file = try Self.file("cluster-secret: words\ncluster-dir: /keys\n")
        #expect(
            throws: SettingsError.contradiction(
                "node.yaml:1", "node.yaml:2",
                advice: "use either a passphrase (cluster-secret) or key files (cluster-dir), not both")
        ) {
            try NodeSettings.merged(flags: NodeSettings(), environment: NodeSettings(), file: file)
        }
        #expect(
            Self.parseError(["--cluster-secret-file", "/w", "--cluster-dir", "/k"])
                == "--cluster-secret-file and --cluster-dir contradict each other: "
                + "use either a passphrase (cluster-secret-file) or key files (cluster-dir), not both")
    }

    @Test("multicast on/off comes from the highest source that sets multicast or multicast-interface")
    func multicastUnit() throws {
        let off = try Self.file("multicast: false\n")
        let onByInterface = try NodeSettings.environment(["GOSSIPKV_MULTICAST_INTERFACE": "eth0"])
        let merged = try NodeSettings.merged(flags: NodeSettings(), environment: onByInterface, file: off)
        #expect(merged.bool(.multicast) == true)
        #expect(merged.string(.multicastInterface) == "eth0")
        let flagOff = try NodeSettings.merged(
            flags: Self.flags(["--no-multicast"]), environment: onByInterface, file: off)
        #expect(flagOff.bool(.multicast) == false)
        #expect(flagOff[.multicastInterface] == nil)
        let flagOn = try NodeSettings.merged(
            flags: Self.flags(["--multicast"]), environment: NodeSettings(), file: off)
        #expect(flagOn.bool(.multicast) == true)
        let legacy = try NodeSettings.environment(["GOSSIPKV_NO_MULTICAST": "1"])
        #expect(legacy.bool(.multicast) == false)
        #expect(try NodeSettings.environment(["GOSSIPKV_NO_MULTICAST": "0"]).bool(.multicast) == nil)
    }

    @Test("a bad environment value names the variable; an empty one counts as unset")
    func environmentErrors() throws {
        #expect(throws: SettingsError.invalidEnvironment(.gossipPort, given: "abc")) {
            try NodeSettings.environment(["GOSSIPKV_GOSSIP_PORT": "abc"])
        }
        let error = SettingsError.invalidEnvironment(.gossipPort, given: "abc")
        #expect(error.description == "GOSSIPKV_GOSSIP_PORT must be an integer 1-65535 (got 'abc')")
        #expect(try NodeSettings.environment(["GOSSIPKV_NAME": ""]).values.isEmpty)
        #expect(throws: SettingsError.invalidEnvironment(.logLevel, given: "loud")) {
            try NodeSettings.environment(["GOSSIPKV_LOG_LEVEL": "loud"])
        }
    }

    /// The message `gossipkv node ARGUMENTS` fails with before running, or nil.
    static func parseError(_ arguments: [String]) -> String? {
        do {
            _ = try NodeCommand.parse(arguments)
            return nil
        } catch {
            return NodeCommand.message(for: error)
        }
    }

    @Test("flags are checked like the other sources, before the node starts")
    func flagErrors() throws {
        #expect(
            Self.parseError(["--gossip-port", "70000"])
                == "--gossip-port must be an integer 1-65535 (got '70000')")
        #expect(
            Self.parseError(["--multicast-group", "10.0.0.1"])
                == "--multicast-group must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255) (got '10.0.0.1')"
        )
        #expect(
            Self.parseError(["--join", "10.0.0.1:99999"])?.hasPrefix("--join must be a list of HOST:PORT")
                == true)
        #expect(Self.parseError(["--metrics-port", "0", "--log-level", "debug"]) == nil)
        #expect(
            SettingsError.invalidFlag(.metricsPort, given: "-1").description
                == "--metrics-port must be an integer 0-65535 (0 turns the endpoint off) (got '-1')")
    }

    @Test("fsync, repair and in-memory reach the storage configuration from flags, GOSSIPKV_* and the file")
    func storageSettings() throws {
        let identity = try NodeIdentity.open(name: "n", now: 1_000)
        func configuration(_ settings: NodeSettings, directory: String? = "/d") -> NodeConfiguration {
            var configuration = NodeConfiguration(name: "n", identity: identity)
            configuration.storage = StorageConfiguration(directory: "/stale")
            settings.apply(
                to: &configuration, registry: PrometheusCollectorRegistry(), dataDirectory: directory)
            return configuration
        }
        let defaults = try NodeSettings.merged(
            flags: Self.flags([]), environment: .environment([:]), file: NodeSettings())
        #expect(configuration(defaults).storage?.directory == "/d")
        #expect(configuration(defaults).storage?.fsync == .batch)
        #expect(configuration(defaults).storage?.repair == false)
        #expect(configuration(defaults, directory: nil).storage == nil)

        let file = try Self.file("fsync: never\nrepair: true\n")
        let environment = try NodeSettings.environment(["GOSSIPKV_FSYNC": "always"])
        let layered = try NodeSettings.merged(flags: Self.flags([]), environment: environment, file: file)
        #expect(configuration(layered).storage?.fsync == .always)
        #expect(configuration(layered).storage?.repair == true)
        let flagged = try NodeSettings.merged(
            flags: Self.flags(["--fsync", "never", "--repair"]), environment: .environment([:]),
            file: NodeSettings())
        #expect(configuration(flagged).storage?.fsync == .never)
        #expect(configuration(flagged).storage?.repair == true)

        let memory = try NodeSettings.merged(
            flags: Self.flags(["--in-memory", "--data-dir", "/keys"]), environment: .environment([:]),
            file: NodeSettings())
        #expect(
            memory.dataDirectory(nodeName: "n", environment: [:], isRoot: false) == "/keys",
            "the key still lives there")
        #expect(configuration(memory, directory: "/keys").storage == nil)
        let memoryOnly = try NodeSettings.merged(
            flags: NodeSettings(), environment: .environment(["GOSSIPKV_IN_MEMORY": "true"]),
            file: NodeSettings())
        #expect(memoryOnly.dataDirectory(nodeName: "n", environment: [:], isRoot: false) == nil)
    }

    @Test(
        "the default data directory is per node name: /var/lib/gossipkv as root, else the XDG data directory")
    func defaultDataDirectory() throws {
        let settings = NodeSettings()
        #expect(
            settings.dataDirectory(nodeName: "web1", environment: [:], isRoot: true)
                == "/var/lib/gossipkv/web1")
        #expect(
            settings.dataDirectory(nodeName: "web1", environment: ["HOME": "/home/u"], isRoot: false)
                == "/home/u/.local/share/gossipkv/web1")
        #expect(
            settings.dataDirectory(
                nodeName: "web1", environment: ["HOME": "/home/u", "XDG_DATA_HOME": "/data"], isRoot: false)
                == "/data/gossipkv/web1")
        #expect(
            settings.dataDirectory(nodeName: "../a b/c", environment: [:], isRoot: true)
                == "/var/lib/gossipkv/_.._a_b_c")
        var given = NodeSettings()
        given.set(.dataDir, .text("/srv/x"), from: "--data-dir")
        #expect(given.dataDirectory(nodeName: "web1", environment: [:], isRoot: true) == "/srv/x")
    }

    @Test("a bad fsync policy names the allowed ones")
    func fsyncErrors() throws {
        #expect(
            Self.parseError(["--fsync", "sometimes"])
                == "--fsync must be one of always, batch, never (got 'sometimes')")
        #expect(throws: SettingsError.invalidEnvironment(.fsync, given: "weekly")) {
            try NodeSettings.environment(["GOSSIPKV_FSYNC": "weekly"])
        }
    }
}
