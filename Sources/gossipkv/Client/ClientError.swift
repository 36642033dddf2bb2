/// Why a client command (`get`, `set`, `members`, ...) failed, said so a person can act on it.
enum ClientError: Error, Equatable, CustomStringConvertible {
    /// `--node` is not HOST:PORT.
    case invalidAddress(String)
    case cannotResolve(endpoint: String, reason: String)
    /// Nothing listens there (connection refused): the usual case of no node running.
    case nothingListening(endpoint: String)
    case cannotConnect(endpoint: String, reason: String)
    case timedOut(endpoint: String, seconds: Double)
    case connectionClosed(endpoint: String)
    case ioFailed(endpoint: String, reason: String)
    /// The bytes that came back are not a RESP reply.
    case protocolViolation(endpoint: String, detail: String)
    /// A reply beyond the client's bounds (a bulk string, an array or the whole reply).
    case replyTooLarge(endpoint: String, limit: String)
    /// The node answered with a RESP error (`-ERR ...`).
    case refused(message: String)
    /// A well-formed reply of the wrong kind for the command.
    case unexpectedReply(command: String, reply: String)
    /// `--password-file` could not be read, or holds nothing.
    case passwordFile(path: String, reason: String)

    var description: String {
        switch self {
        case let .invalidAddress(text):
            return "--node '\(text)' is not HOST:PORT (e.g. 127.0.0.1:7379, the node's RESP port)"
        case let .cannotResolve(endpoint, reason):
            return "cannot resolve \(endpoint): \(reason); check --node"
        case let .nothingListening(endpoint):
            return
                "cannot connect to \(endpoint): is a node running? start one with `gossipkv node` or `gossipkv cluster`"
        case let .cannotConnect(endpoint, reason):
            return
                "cannot connect to \(endpoint): \(reason); check --node and that the node's --resp-bind lets you in"
        case let .timedOut(endpoint, seconds):
            return
                "no answer from \(endpoint) within \(Self.format(seconds)) s; is it a GossipKV node's RESP port? (--timeout raises the wait)"
        case let .connectionClosed(endpoint):
            return "\(endpoint) closed the connection before answering; is it a GossipKV node's RESP port?"
        case let .ioFailed(endpoint, reason):
            return "talking to \(endpoint) failed: \(reason)"
        case let .protocolViolation(endpoint, detail):
            return
                "\(endpoint) did not answer in the Redis protocol (\(detail)); is --node the RESP port (7379), not gossip or metrics?"
        case let .replyTooLarge(endpoint, limit):
            return "the reply from \(endpoint) is larger than this client accepts (\(limit))"
        case let .refused(message):
            return "the node refused: \(message)"
        case let .unexpectedReply(command, reply):
            return "unexpected reply to \(command): \(reply)"
        case let .passwordFile(path, reason):
            return "cannot use the password file \(path): \(reason)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
