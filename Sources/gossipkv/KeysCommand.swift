import ArgumentParser
import Foundation

/// `gossipkv keys [PATTERN]`: live keys, one per line, fetched with SCAN a page at a time so a
/// large map neither blocks the node nor arrives as one huge reply.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List the keys matching a glob pattern (default: all), one per line.",
        discussion:
            "Patterns are Redis globs: * ? [abc] and \\ to escape, e.g. 'user:*'. Quote them for the shell.")

    @OptionGroup var options: NodeAddressOptions

    @Argument(help: "Glob pattern.")
    var pattern: String = "*"

    func run() throws {
        try options.connect().scanKeys(matching: pattern) { keys in
            var output: [UInt8] = []
            for key in keys { output += key + [10] }
            FileHandle.standardOutput.write(Data(output))
        }
    }
}
