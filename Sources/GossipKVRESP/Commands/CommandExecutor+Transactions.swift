/// MULTI, EXEC, DISCARD: a connection's batch of commands, queued and then run together.
///
/// What EXEC guarantees here: the queued commands run back to back in the connection's task,
/// in order, and nothing else of this connection runs between them. Commands from other
/// connections on the same node MAY run between two of them (each command awaits the node on
/// its own), and every write is its own entry with its own HLC tick, replicated by
/// last-writer-wins like any other write: other nodes see the entries arrive one by one. What
/// Redis does promise and this keeps: a command refused while queueing (unknown, wrong
/// arity) aborts the whole transaction with EXECABORT before any of it runs; a command that
/// fails while running (INCR on text) fails alone and the others still apply.
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
