import NIOCore

/// Who may talk to the Redis port at all: Redis's protected mode, and the guard against
/// cross-protocol scripting. Both are decided from the connection alone, before any command runs.
enum ClientAdmission {
    /// Redis's protected mode, worded for GossipKV. Written as is (the `DENIED` code first).
    static let protectedModeRefusal =
        "DENIED GossipKV is running in protected mode because protected mode is enabled and no password is "
        + "set for Redis clients. In this mode connections are only accepted from the loopback interface. "
        + "To let clients on other machines in: 1) set a password with --requirepass-file (or "
        + "GOSSIPKV_REQUIREPASS) and have clients send AUTH; or 2) bind the Redis port to 127.0.0.1 "
        + "(--resp-bind) and reach it through an SSH tunnel; or 3) if the network is trusted, start the "
        + "node with --no-protected-mode."

    /// Whether protected mode turns away a client at `peer`: it is on, no password is set, and
    /// the peer is not on this machine's loopback network. An unknown peer is refused.
    static func protectedModeRefuses(peer: SocketAddress?, _ configuration: RESPServerConfiguration) -> Bool {
        configuration.protectedMode && configuration.requirePassword == nil && !isLoopback(peer)
    }

    /// 127.0.0.0/8, ::1, an IPv4-mapped 127.x address, or a Unix socket.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .unixDomainSocket: return true
        case .v4, .v6:
            guard let ip = address?.ipAddress?.lowercased() else { return false }
            return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
        case nil: return false
        }
    }

    /// A command named `POST` or `Host:`: the first lines of an HTTP request, which a web page
    /// can make a browser send to the Redis port (`fetch('http://127.0.0.1:7379', {method:
    /// 'POST', body: 'FLUSHALL\r\n'})`) hoping the body's lines run as commands. As Redis does,
    /// the connection is closed at once, without a reply.
    static func isCrossProtocolAttack(_ command: RESPCommand) -> Bool {
        // Cheap length check first: this runs for every command.
        guard let first = command.arguments.first, first.count == 4 || first.count == 5 else { return false }
        let name = command.name
        return name == "post" || name == "host:"
    }

    /// Redis's log line for it, adapted.
    static let crossProtocolWarning =
        "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to "
        + "the Redis port. This is likely due to an attacker attempting to use Cross Protocol Scripting to "
        + "compromise this node. Connection aborted."
}
