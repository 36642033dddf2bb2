import ArgumentParser

@main
struct GossipKVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossipkv",
        abstract: "A replicated key-value store for a LAN: zero configuration, writes that never wait.",
        discussion: """
            Start a node with `gossipkv node` (it joins the open LAN cluster 'default'), or close the \
            cluster with a passphrase on every node (`--cluster-secret-file FILE --cluster-name NAME`), or with \
            key files from `gossipkv init`. \
            Talk to a node with get, set, del, keys, members and status (--node HOST:PORT, its RESP port).
            """,
        subcommands: [
            NodeCommand.self, ClusterCommand.self, GetCommand.self, SetCommand.self, DelCommand.self,
            KeysCommand.self,
            MembersCommand.self, StatusCommand.self, InitCommand.self, CertCommand.self, KeyringCommand.self,
        ])
}
