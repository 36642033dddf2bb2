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
    /// AUTH with a password alone on a server without one (Redis's `nopass` default user).
    case authWithoutPassword
    /// AUTH for a user other than `default`, or with the wrong password.
    case wrongPassword
    /// A command other than AUTH, HELLO or QUIT before the connection gave the password.
    case authenticationRequired
    /// HELLO without AUTH before the connection gave the password.
    case helloWithoutAuthentication
    /// HELLO with an option it does not know, or one missing its arguments.
    case helloSyntax(option: String)
    /// CLIENT SETINFO with a value holding spaces or control characters.
    case invalidClientAttribute(String)
    case execWithoutMulti
    case discardWithoutMulti
    case nestedMulti
    /// EXEC after a command was refused while queueing: nothing of the transaction ran.
    case transactionAborted
    /// A command that cannot be queued (SUBSCRIBE, HELLO, WATCH) sent after MULTI.
    case notAllowedInTransaction
    /// MULTI's queue passed `CommandExecutor.maxQueuedCommands` or `maxQueuedBytes`.
    case transactionTooLarge
    /// WATCH: a replica cannot promise that no other node changed the key.
    case watchUnsupported
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
        case .authenticationRequired:
            return "NOAUTH Authentication required."
        case .helloWithoutAuthentication:
            return
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                + "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                + "select the RESP protocol version at the same time"
        case let .helloSyntax(option):
            return "ERR Syntax error in HELLO option '\(option.prefix(128))'"
        case let .invalidClientAttribute(name):
            return "ERR \(name) cannot contain spaces, newlines or special characters."
        case .execWithoutMulti:
            return "ERR EXEC without MULTI"
        case .discardWithoutMulti:
            return "ERR DISCARD without MULTI"
        case .nestedMulti:
            return "ERR MULTI calls can not be nested"
        case .transactionAborted:
            return "EXECABORT Transaction discarded because of previous errors."
        case .notAllowedInTransaction:
            return "ERR Command not allowed inside a transaction"
        case .transactionTooLarge:
            return
                "ERR the transaction holds more than \(CommandExecutor.maxQueuedCommands) commands or "
                + "\(CommandExecutor.maxQueuedBytes >> 20) MiB; it will abort at EXEC (send DISCARD or smaller batches)"
        case .watchUnsupported:
            return
                "ERR WATCH is not supported: a node cannot tell whether another node changed the key; "
                + "MULTI/EXEC without WATCH applies its commands back to back on this node"
        case let .refused(message):
            return "ERR \(message)"
        }
    }

    public var reply: RESPValue { .error(description) }
}
