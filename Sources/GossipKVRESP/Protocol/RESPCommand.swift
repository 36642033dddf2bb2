/// One client request: its arguments, binary-safe, the command name first.
public struct RESPCommand: Hashable, Sendable, CustomStringConvertible {
    public var arguments: [[UInt8]]

    public init(arguments: [[UInt8]]) { self.arguments = arguments }

    public init(_ words: String...) { self.arguments = words.map { Array($0.utf8) } }

    /// The command name in lower case (ASCII only: command names are ASCII words).
    public var name: String {
        guard let first = arguments.first else { return "" }
        return String(decoding: first.map(asciiLowercased), as: UTF8.self)
    }

    public var description: String {
        arguments.map { String(decoding: $0.prefix(64), as: UTF8.self) }.joined(separator: " ")
    }
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
}
