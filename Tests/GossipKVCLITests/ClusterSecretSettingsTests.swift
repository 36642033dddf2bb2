import Foundation
import TestSupport
import Testing

@testable import gossipkv

/// Where `gossipkv node` takes the cluster passphrase from: a file or the environment, never argv.
@Suite("node settings: cluster secret", .ownThreads)
struct ClusterSecretSettingsTests {
    struct Missing: Error {}

    static func files(_ contents: [String: String]) -> (String) throws -> Data {
        { path in
            guard let text = contents[path] else { throw Missing() }
            return Data(text.utf8)
        }
    }

    @Test("--cluster-secret on the command line is refused with the two ways that keep it out of argv")
    func argvRefused() {
        do {
            _ = try NodeCommand.parse(["--cluster-secret", "correct horse", "--cluster-name", "lab"])
            Issue.record("a passphrase on the command line was accepted")
        } catch {
            let message = NodeCommand.message(for: error)
            #expect(message.contains("/proc/PID/cmdline"))
            #expect(message.contains("--cluster-secret-file FILE"))
            #expect(message.contains("GOSSIPKV_CLUSTER_SECRET"))
        }
    }

    @Test(
        "--cluster-secret-file is read without its trailing line break; GOSSIPKV_CLUSTER_SECRET sets the words"
    )
    func fileAndEnvironment() throws {
        let flags = try NodeCommand.parse(["--cluster-secret-file", "/etc/gossipkv/secret"]).flagSettings()
        let read = Self.files(["/etc/gossipkv/secret": "correct horse battery staple\n"])
        #expect(try flags.clusterSecret(readFile: read) == "correct horse battery staple")
        let windows = try NodeCommand.parse(["--cluster-secret-file", "/s"]).flagSettings()
        #expect(try windows.clusterSecret(readFile: Self.files(["/s": "words\r\n"])) == "words")
        let environment = try NodeSettings.environment(["GOSSIPKV_CLUSTER_SECRET": "battery staple"])
        #expect(try environment.clusterSecret(readFile: read) == "battery staple")
        #expect(try NodeSettings().clusterSecret(readFile: read) == nil)
    }

    @Test("a flag's secret file replaces the environment's words, and both in one source contradict")
    func oneWayAtATime() throws {
        let environment = try NodeSettings.environment(["GOSSIPKV_CLUSTER_SECRET": "battery staple"])
        let flags = try NodeCommand.parse(["--cluster-secret-file", "/s"]).flagSettings()
        let merged = try NodeSettings.merged(flags: flags, environment: environment, file: NodeSettings())
        #expect(merged[.clusterSecret] == nil)
        #expect(try merged.clusterSecret(readFile: Self.files(["/s": "from file\n"])) == "from file")
        let both = try ConfigFile.parse("cluster-secret: a\ncluster-secret-file: /s\n", path: "node.yaml")
        #expect(
            throws: SettingsError.contradiction(
                "node.yaml:1", "node.yaml:2",
                advice: "give the cluster passphrase one way: cluster-secret or cluster-secret-file")
        ) {
            try NodeSettings.merged(flags: NodeSettings(), environment: NodeSettings(), file: both)
        }
    }

    @Test("an unreadable or empty secret file stops the node with a message naming the file")
    func fileErrors() throws {
        let flags = try NodeCommand.parse(["--cluster-secret-file", "/s"]).flagSettings()
        #expect(
            throws: SettingsError.clusterSecretFile(
                path: "/s", problem: "it is empty; write the passphrase in it")
        ) {
            try flags.clusterSecret(readFile: Self.files(["/s": "\n"]))
        }
        do {
            _ = try flags.clusterSecret(readFile: Self.files([:]))
            Issue.record("a missing secret file was accepted")
        } catch {
            #expect(error.description.hasPrefix("cluster-secret-file /s: cannot read it"))
        }
    }
}
