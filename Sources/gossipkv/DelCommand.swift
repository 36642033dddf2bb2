import ArgumentParser

/// `gossipkv del KEY...`: deletes (tombstones) keys; prints how many existed.
struct DelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "del", abstract: "Delete keys; prints how many of them existed.")

    @OptionGroup var options: NodeAddressOptions

    @Argument(help: ArgumentHelp("One or more keys.", valueName: "key"))
    var keys: [String]

    func validate() throws {
        if keys.isEmpty { throw ValidationError("name at least one key: gossipkv del KEY...") }
    }

    func run() throws {
        print(try options.connect().delete(keys.map { Array($0.utf8) }))
    }
}
