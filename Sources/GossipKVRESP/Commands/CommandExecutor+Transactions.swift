/// MULTI, EXEC, DISCARD: a connection's batch of commands, queued and then run together.
///
/// What EXEC guarantees here: the queued commands run back to back, in order, as one step on
/// this node as far as its clients can tell: `TransactionGate` keeps every other client's
/// command out until the last one is done. Not isolated from replication: writes arriving
/// from other nodes by gossip may be applied between two of the commands (a later one can read
/// them). Every write is its own entry with its own HLC tick, replicated by last-writer-wins
/// like any other write: other nodes see the entries arrive one by one, and a concurrent write
/// on another node can win over some of them and not others. As in Redis, a command refused
/// while queueing (unknown, wrong arity) aborts the whole transaction with EXECABORT before
/// any of it runs, and a command that fails while running (INCR on text) fails alone: the
/// others still apply. WATCH is refused: no node can tell that no other node changed a key.
extension CommandExecutor {
    func multi(_ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        guard !session.isInTransaction else { throw .nestedMulti }
        session.queuedCommands = []
        session.queuedBytes = 0
        session.transactionFailed = false
        return CommandOutcome(.ok)
    }

    func discard(_ session: inout ClientSession) throws(CommandError) -> CommandOutcome {
        guard session.isInTransaction else { throw .discardWithoutMulti }
        session.queuedCommands = nil
        session.queuedBytes = 0
        session.transactionFailed = false
        return CommandOutcome(.ok)
    }

    /// The replies of the queued commands, one array element each.
    func exec(_ session: inout ClientSession) async throws(CommandError) -> CommandOutcome {
        guard let queued = session.queuedCommands else { throw .execWithoutMulti }
        let failed = session.transactionFailed
        session.queuedCommands = nil
        session.queuedBytes = 0
        session.transactionFailed = false
        guard !failed else { throw .transactionAborted }
        var replies: [RESPValue] = []
        replies.reserveCapacity(queued.count)
        for command in queued {
            server.update { $0.commandsProcessed += 1 }
            let outcome = await run(command.name, Arguments(command.arguments), &session)
            // Commands that answer more than once (the subscriptions) cannot be queued.
            replies.append(outcome.replies.count == 1 ? outcome.replies[0] : .array(outcome.replies))
        }
        return CommandOutcome(.array(replies))
    }
}
