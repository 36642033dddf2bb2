import ArgumentParser

/// `gossipkv members`: the cluster as the asked node sees it, from its `INFO cluster` lines.
struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "Show the cluster's members as one node sees them.",
        discussion:
            "LAG is how far the asked node is behind each member: 'in sync', or entries not yet received and the age of the oldest."
    )

    @OptionGroup var options: NodeAddressOptions

    func run() throws {
        print(Self.render(try options.connect().clusterInfo()))
    }

    static func render(_ info: ClusterInfo) -> String {
        var table = TextTable(["NAME", "ID", "STATE", "ADDRESS", "LAG"])
        for member in info.members {
            table.append([
                member.name.isEmpty ? "?" : member.name, member.id, member.state, member.address,
                member.isSelf ? "this node" : member.lagDescription,
            ])
        }
        return table.render()
    }
}
