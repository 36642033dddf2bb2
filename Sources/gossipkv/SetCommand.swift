import ArgumentParser

/// `gossipkv set KEY VALUE [--ex SECONDS]`: a write on the node asked; it replicates by gossip.
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set a key to a value (replicated to every node by gossip).",
        discussion:
            "Returns once the node applied the write locally. With --ex the key expires after SECONDS. "
            + "Put -- before a value that starts with a dash: gossipkv set k -- -5")

    @OptionGroup var options: NodeAddressOptions

    @Argument(help: "The key.")
    var key: String

    @Argument(help: "The value.")
    var value: String

    @Option(help: ArgumentHelp("Expire the key this many seconds after the write.", valueName: "seconds"))
    var ex: Int?

    func validate() throws {
        if let ex, ex < 1 {
            throw ValidationError("--ex must be at least 1 second; to delete a key use `gossipkv del`")
        }
    }

    func run() throws {
        try options.connect().set(Array(key.utf8), Array(value.utf8), expireSeconds: ex)
        print("OK")
    }
}
