import Logging
import NIOCore

/// What the event loop hands to a connection's task, in arrival order.
enum ConnectionEvent: Sendable {
    /// The commands decoded from one read, to run and answer in order.
    case commands([RESPCommand])
    /// The client broke the protocol: answer with the error after the earlier replies, then close.
    case protocolError(RESPError)
}

/// Asks every connection to finish what it has read and close (graceful stop).
struct RESPStopEvent: Sendable {}

/// The per-connection handler on the event loop. It only frames and dispatches: the commands
/// parsed from one read go, as one batch, to the connection's task (`ClientConnection`), which
/// runs them against the backend and writes the replies; this handler never waits.
///
/// It parses the bytes itself (`RESPCommandParser`) instead of sitting behind a
/// `ByteToMessageHandler`: that handler passed each command up the pipeline on its own, and
/// with 16 pipelined GETs per read its per-command dispatch cost about a tenth of the server's
/// time.
///
/// Backpressure: while `maxPendingCommands` or more commands, or `maxPendingBytes` or more bytes
/// of arguments, are waiting for replies, it holds back `read()`, so the socket buffer fills and
/// the client slows down: with the parser's bound on one unfinished command, what one client
/// can make the server hold is bounded (Redis's `client-query-buffer-limit`). After a protocol
/// error it reads nothing more.
final class RESPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let executor: CommandExecutor
    private let maxPendingCommands: Int
    private let maxPendingBytes: Int
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var continuation: AsyncStream<ConnectionEvent>.Continuation?
    private var parser: RESPCommandParser
    /// The unparsed tail of earlier reads (part of a command), nil when none.
    private var unparsed: ByteBuffer?
    private var batch: [RESPCommand] = []
    private var pendingCommands = 0
    private var pendingBytes = 0
    /// The argument bytes of each dispatched batch not yet answered, oldest first (batches are
    /// answered in order, one `commandsAnswered` call each).
    private var batchBytes: [Int] = []
    private var batchBytesStart = 0
    private var readHeldBack = false
    /// After a protocol error or a stop request: read and dispatch nothing more.
    private var finished = false
    private var subscribed = false
    /// The connection's session as of its last answered batch: current whenever no command is
    /// pending, which is when a batch may be answered here (`answerNow`).
    private var session: ClientSession?

    init(
        executor: CommandExecutor, limits: RESPLimits = .standard, maxPendingCommands: Int,
        maxPendingBytes: Int = .max, logger: Logger
    ) {
        self.executor = executor
        self.parser = RESPCommandParser(limits: limits)
        self.maxPendingCommands = max(1, maxPendingCommands)
        self.maxPendingBytes = max(1, maxPendingBytes)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation?.finish()
        continuation = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard continuation == nil, !finished else { return }
        let (events, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self)
        self.continuation = continuation
        let address = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? ""
        let session = executor.makeSession(address: address)
        self.session = session
        let connection = ClientConnection(
            channel: context.channel, executor: executor,
            handler: NIOLoopBound(self, eventLoop: context.eventLoop),
            logger: logger)
        Task { await connection.run(events, session: session) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var bytes = unwrapInboundIn(data)
        if var earlier = unparsed {
            unparsed = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        do {
            while let command = try parser.next(from: &bytes) {
                guard !ClientAdmission.isCrossProtocolAttack(command) else {
                    abortCrossProtocolAttack(context: context)
                    return
                }
                batch.append(command)
            }
        } catch {
            answerProtocolError(error, context: context)
            return
        }
        // A partial command at EOF is dropped with the connection: the client went away mid-command.
        if bytes.readableBytes > 0 { unparsed = bytes }
    }

    /// Answers a protocol error after the replies to the commands before it, then closes (the
    /// connection task writes the error and closes once those are written).
    private func answerProtocolError(_ error: RESPError, context: ChannelHandlerContext) {
        logger.debug(
            "closing a client for a protocol error",
            metadata: [
                "resp.client": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")",
                "resp.error": "\(error)",
            ])
        executor.server.update { $0.protocolErrors += 1 }
        dispatchBatch()
        finished = true
        unparsed = nil
        continuation?.yield(.protocolError(error))
        continuation?.finish()
        continuation = nil
    }

    /// Closes the connection at once, with no reply. Nothing else of this read runs: the
    /// commands before the HTTP line came in the same packet as the attack.
    private func abortCrossProtocolAttack(context: ChannelHandlerContext) {
        finished = true
        batch = []
        continuation?.finish()
        continuation = nil
        if executor.server.noteCrossProtocolAttack() {
            logger.warning(
                "\(ClientAdmission.crossProtocolWarning)",
                metadata: ["resp.client": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
        }
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        dispatchBatch()
        context.fireChannelReadComplete()
    }

    private func dispatchBatch() {
        guard !batch.isEmpty else { return }
        if answerNow() {
            batch = []
            return
        }
        pendingCommands += batch.count
        let bytes = batch.reduce(0) { total, command in command.arguments.reduce(total) { $0 + $1.count } }
        pendingBytes += bytes
        batchBytes.append(bytes)
        continuation?.yield(.commands(batch))
        batch = []
    }

    func channelInactive(context: ChannelHandlerContext) {
        finished = true
        batch = []
        unparsed = nil
        continuation?.finish()
        continuation = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An I/O error (reset by peer and the like): nothing to answer. Protocol errors never
        // get here: `channelRead` answers them.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Subscribers are exempt, and so is a client waiting for a slow command.
            if !subscribed && pendingCommands == 0 && !finished {
                executor.server.update { $0.idleClosures += 1 }
                context.close(promise: nil)
            }
            return
        }
        if event is RESPStopEvent {
            dispatchBatch()
            finished = true
            continuation?.finish()
            continuation = nil
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if finished { return }
        if pendingCommands >= maxPendingCommands || pendingBytes >= maxPendingBytes {
            readHeldBack = true
            return
        }
        context.read()
    }

    /// Answers the batch here, on the event loop, when nothing is pending, every command is a
    /// plain GET or SET and the backend runs them without waiting (`executePlainNow`): the
    /// pipelined hot path, with no hop to the connection's task and back. False when the batch
    /// must go to the task (nothing was run then).
    private func answerNow() -> Bool {
        guard pendingCommands == 0, let session, let context, context.channel.isWritable else { return false }
        var operations: [RESPOperation] = []
        operations.reserveCapacity(batch.count)
        for command in batch {
            guard let operation = CommandExecutor.plainOperation(command, session) else { return false }
            operations.append(operation)
        }
        var buffer = context.channel.allocator.buffer(capacity: 16 * batch.count)
        guard executor.executePlainNow(operations, into: &buffer, as: session.protocolVersion) else {
            return false
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        // Writes of this loop turn are logged at its end: the replies go out after that (a
        // reply never tells of a write the log does not hold), or not at all if it failed.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let waits = executor.afterDeferredLogWrite { logged in
            if logged { bound.value.flush() } else { bound.value.close(promise: nil) }
        }
        if !waits { context.flush() }
        return true
    }

    /// Called by the connection task, on the event loop, when a batch has been answered.
    func commandsAnswered(_ count: Int, session: ClientSession) {
        self.session = session
        let subscribed = session.isSubscribed
        pendingCommands -= count
        if batchBytesStart < batchBytes.count {
            pendingBytes -= batchBytes[batchBytesStart]
            batchBytesStart += 1
            if batchBytesStart == batchBytes.count {
                batchBytes.removeAll(keepingCapacity: true)
                batchBytesStart = 0
            }
        }
        self.subscribed = subscribed
        if readHeldBack, pendingCommands < maxPendingCommands, pendingBytes < maxPendingBytes, !finished,
            let context
        {
            readHeldBack = false
            context.read()
        }
    }
}
