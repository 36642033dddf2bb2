import Logging
import NIOCore

/// Runs one connection's commands in order, off the event loop: the bridge from the NIO
/// handler to the async backend. Pipelined commands keep their order because one task runs
/// them one after the other; the replies of a batch go out in one flush.
struct ClientConnection: Sendable {
    let channel: any Channel
    let executor: CommandExecutor
    let handler: NIOLoopBound<RESPConnectionHandler>
    let logger: Logger

    /// Replies are written in chunks of about this size, so a pipeline of large values does
    /// not collect in one buffer.
    static let flushThreshold = 64 * 1024

    /// Commands that change what CLIENT LIST shows of the connection.
    static let listedCommands: Set<String> = [
        "client", "hello", "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "multi", "exec",
        "discard",
    ]

    func run(_ events: AsyncStream<ConnectionEvent>, session initial: ClientSession) async {
        var session = initial
        let notifier = KeyspaceNotifier(backend: executor.backend, channel: channel)
        executor.server.record(session.listing, id: session.id)
        defer {
            notifier.stop()
            executor.server.record(nil, id: session.id)
        }
        for await event in events {
            switch event {
            case let .commands(batch):
                guard let replies = await answer(batch, &session, notifier) else {
                    try? await channel.close()
                    return
                }
                await finish(batch.count, replies: replies, session: session)
            case let .protocolError(error):
                var buffer = channel.allocator.buffer(capacity: 128)
                buffer.writeRESPValue(.err(error.description))
                try? await channel.writeAndFlush(buffer)
                try? await channel.close()
                return
            }
        }
        // The stream ended: the client went away, or the server is stopping (then the commands
        // already read have been answered above).
        try? await channel.close()
    }

    /// Writes a batch's last replies and tells the handler the batch is answered, in one hop
    /// onto the event loop while the channel is writable (a write and a notice were two hops,
    /// two thread wake-ups per batch).
    private func finish(_ count: Int, replies: ByteBuffer, session: ClientSession) async {
        if channel.isWritable {
            channel.eventLoop.execute { [channel, handler] in
                if replies.readableBytes > 0 { channel.writeAndFlush(replies, promise: nil) }
                handler.value.commandsAnswered(count, session: session)
            }
        } else {
            await write(replies)
            channel.eventLoop.execute { [handler] in
                handler.value.commandsAnswered(count, session: session)
            }
        }
    }

    /// Runs a batch and writes its replies but the last chunk, which it returns for `finish`
    /// to write; nil when the connection must close (QUIT: its reply is written here).
    private func answer(
        _ batch: [RESPCommand], _ session: inout ClientSession, _ notifier: KeyspaceNotifier
    ) async -> ByteBuffer? {
        var buffer = channel.allocator.buffer(capacity: 256)
        var index = 0
        while index < batch.count {
            if let first = CommandExecutor.plainOperation(batch[index], session) {
                // A run of plain GETs and SETs goes to the backend in one call.
                var operations = [first]
                index += 1
                while index < batch.count, let next = CommandExecutor.plainOperation(batch[index], session) {
                    operations.append(next)
                    index += 1
                }
                await executor.executePlain(operations, into: &buffer, as: session.protocolVersion)
                if buffer.readableBytes >= Self.flushThreshold && index < batch.count {
                    await write(buffer)
                    buffer = channel.allocator.buffer(capacity: 256)
                }
                continue
            }
            let command = batch[index]
            index += 1
            let name = command.name
            let changesSubscriptions = CommandExecutor.subscriptionCommands.contains(name)
            let outcome = await executor.execute(command, session: &session)
            let version = session.protocolVersion
            if name == "hello" { notifier.use(version) }
            if session.isInTransaction || Self.listedCommands.contains(name) {
                // Before the reply goes out, so a client that saw it finds the change in CLIENT LIST.
                executor.server.record(session.listing, id: session.id)
            }
            var subscriptions: KeyspaceSubscriptions? = nil
            if changesSubscriptions {
                // Open the change stream and drop old routes before the confirmation is written;
                // add the new routes only after (see `KeyspaceNotifier`).
                let updated = session.subscriptions
                notifier.prepare(for: updated)
                notifier.narrow(to: updated)
                subscriptions = updated
            }
            for reply in outcome.replies { buffer.writeRESPValue(reply, as: version) }
            if outcome.closeAfterReply {
                try? await channel.writeAndFlush(buffer)
                return nil
            }
            // The last chunk is left to `finish`, unless subscriptions change: their
            // confirmation must be out before the new routes are added below.
            if changesSubscriptions || (buffer.readableBytes >= Self.flushThreshold && index < batch.count) {
                await write(buffer)
                buffer = channel.allocator.buffer(capacity: 256)
            }
            if let subscriptions { notifier.update(subscriptions) }
        }
        return buffer
    }

    /// Writes without waiting while the channel is writable; once the client stops reading and
    /// the channel's buffer passes its high-water mark, waits for the write to go out.
    private func write(_ buffer: ByteBuffer) async {
        guard buffer.readableBytes > 0 else { return }
        if channel.isWritable {
            channel.writeAndFlush(buffer, promise: nil)
        } else {
            try? await channel.writeAndFlush(buffer)
        }
    }
}
