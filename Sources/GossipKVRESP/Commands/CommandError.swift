/// Why a command was refused. Each becomes an error reply worded as Redis words it, so clients
/// and people who know Redis recognise it; the connection stays open.
public enum CommandError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownCommand(name: String, arguments: [String])
    case wrongArity(command: String)
    case unknownSubcommand(subcommand: String, command: String)
    case syntax
    case notInteger
    case overflow
    case invalidExpireTime(command: String)
    case incompatibleOptions(String)
    case invalidCursor
    case databaseOutOfRange
    case invalidClientName
    case unsupportedProtocol
    case notAllowedWhileSubscribed(command: String)
    /// AUTH with a password alone: nodes have no password (Redis's `nopass` default user).
    case authWithoutPassword
    /// AUTH for a user other than `default`.
    case wrongPassword
    /// The backend refused a write (a limit, a clock behind the cluster): its own message.
    case refused(String)

    /// The whole error line: code and message.
    public var description: String {
        switch self {
        case let .unknownCommand(name, arguments):
            let shown = arguments.prefix(16).map { "'\($0.prefix(128))' " }.joined()
            return "ERR unknown command '\(name.prefix(128))', with args beginning with: \(shown)"
        case let .wrongArity(command):
            return "ERR wrong number of arguments for '\(command)' command"
        case let .unknownSubcommand(subcommand, command):
            return "ERR unknown subcommand '\(subcommand.prefix(128))'. Try \(command.uppercased()) HELP."
        case .syntax:
            return "ERR syntax error"
        case .notInteger:
            return "ERR value is not an integer or out of range"
        case .overflow:
            return "ERR increment or decrement would overflow"
        case let .invalidExpireTime(command):
            return "ERR invalid expire time in '\(command)' command"
        case let .incompatibleOptions(message):
            return "ERR \(message)"
        case .invalidCursor:
            return "ERR invalid cursor"
        case .databaseOutOfRange:
            return "ERR DB index is out of range"
        case .invalidClientName:
            return "ERR Client names cannot contain spaces, newlines or special characters."
        case .unsupportedProtocol:
            return "NOPROTO sorry, this protocol version is not supported"
        case let .notAllowedWhileSubscribed(command):
            return
                "ERR Can't execute '\(command)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                + "are allowed in this context"
        case .authWithoutPassword:
            return
                "ERR AUTH <password> called without any password configured for the default user. "
                + "Are you sure your configuration is correct?"
        case .wrongPassword:
            return "WRONGPASS invalid username-password pair or user is disabled."
        case let .refused(message):
            return "ERR \(message)"
        }
    }

    public var reply: RESPValue { .error(description) }
}
