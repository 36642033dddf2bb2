/// SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE. The only publisher is the keyspace: see
/// `KeyspaceSubscriptions` for the channels and events. Each (un)subscription is answered with
/// its own `[kind, channel, count]` array, as in Redis: a push frame in RESP3.
extension CommandExecutor {
    func subscribe(_ args: Arguments, _ session: inout ClientSession, pattern: Bool) -> CommandOutcome {
        let kind = pattern ? "psubscribe" : "subscribe"
        var replies: [RESPValue] = []
        for index in 1..<args.count {
            _ = session.subscribe(args[index], pattern: pattern)
            replies.append(
                .push([.bulk(kind), .bulkString(args[index]), .integer(Int64(session.subscriptionCount))]))
        }
        return CommandOutcome(replies)
    }

    /// With no arguments, leaves every channel (or pattern), in subscription order; with none to
    /// leave, answers once with a null channel, as Redis does.
    func unsubscribe(_ args: Arguments, _ session: inout ClientSession, pattern: Bool) -> CommandOutcome {
        let kind = pattern ? "punsubscribe" : "unsubscribe"
        let targets =
            args.count > 1 ? Array(args.words.dropFirst()) : (pattern ? session.patterns : session.channels)
        if targets.isEmpty {
            return CommandOutcome(.push([.bulk(kind), .null, .integer(Int64(session.subscriptionCount))]))
        }
        var replies: [RESPValue] = []
        for target in targets {
            _ = session.unsubscribe(target, pattern: pattern)
            replies.append(
                .push([.bulk(kind), .bulkString(target), .integer(Int64(session.subscriptionCount))]))
        }
        return CommandOutcome(replies)
    }
}
