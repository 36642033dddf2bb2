import ArgumentParser

@main
struct GossipKVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossipkv",
        abstract: "A replicated key-value store for a LAN: zero configuration, writes that never wait.",
        discussion: """
            Start a node with `gossipkv node` (it joins the open LAN cluster 'default'), or close the
            cluster with `--cluster-secret WORDS` on every node, or with key files from `gossipkv init`.
            """,
        subcommands: [NodeCommand.self, ClusterCommand.self, InitCommand.self, CertCommand.self])
}
