import ArgumentParser
import Foundation

/// `gossipkv get KEY`: the value as stored, for scripts (`v=$(gossipkv get k) || ...`).
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print the value of a key.",
        discussion:
            "Prints the value's bytes and a newline; when the key is absent, prints (nil) on stderr and exits 1."
    )

    @OptionGroup var options: NodeAddressOptions

    @Argument(help: "The key.")
    var key: String

    func run() throws {
        guard let value = try options.connect().get(Array(key.utf8)) else {
            FileHandle.standardError.write(Data("(nil)\n".utf8))
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data(value + [10]))
    }
}
