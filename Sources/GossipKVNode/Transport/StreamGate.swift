import GossipKVCore
import NIOCore

/// The inbound side of a gossip stream: frames it (4-byte big-endian length, then one sealed
/// envelope), and admits nothing before the signed handshake (`StreamHandshake`) verified.
///
/// Until then the only frame read is the handshake, at most `StreamHandshake.maxEncodedBytes`:
/// a larger length closes the connection before anything is buffered, so a stranger pins a few
/// hundred bytes, for at most `StreamLimits.handshakeTimeout`, within the per-source and total
/// caps of pending connections. After it, frames up to `maxFrameBytes` are read, each of which
/// must name the authenticated peer as its sender (and is then verified like any envelope).
/// Every close is counted by reason (`NodeMetrics.streamClosed`).
///
/// In a closed cluster each frame, the handshake included, is a sealed frame: it is opened
/// (`SharedKeyring.open`) before anything else looks at it, and one that does not open (an
/// unknown key id, a bad tag, a plain envelope) closes the connection, counted under the same
/// rejection reason as a datagram's.
final class StreamGate: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum Phase {
        case awaitingHandshake
        case established(NodeID)
        case closed
    }

    private let admission: StreamAdmission
    private let continuation: AsyncStream<InboundPacket>.Continuation
    private let maxFrameBytes: Int
    private var phase = Phase.awaitingHandshake
    private var buffer = ByteBuffer()
    private var closeReason: String?
    private var handshakeDeadline: Scheduled<Void>?
    private var registered = false

    init(
        admission: StreamAdmission, continuation: AsyncStream<InboundPacket>.Continuation, maxFrameBytes: Int
    ) {
        self.admission = admission
        self.continuation = continuation
        self.maxFrameBytes = maxFrameBytes
    }

    func channelActive(context: ChannelHandlerContext) {
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        if let refusal = admission.open(context.channel, source: source) {
            close(context: context, reason: refusal)
            return
        }
        registered = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: admission.limits.handshakeTimeout) {
            let (gate, context) = bound.value
            if case .awaitingHandshake = gate.phase {
                gate.close(context: context, reason: "handshake_timeout")
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if case .closed = phase { return }
        buffer.writeBuffer(&incoming)
        while let sealed = nextFrame(context: context) {
            let frame: [UInt8]
            switch admission.keyring.open(sealed, maxBytes: sealed.count) {
            case let .failure(rejection):
                admission.metrics?.rejected(reason: rejection.label)
                close(context: context, reason: rejection.label)
                return
            case let .success(opened):
                frame = opened
            }
            switch phase {
            case .awaitingHandshake:
                handshake(frame, context: context)
            case let .established(peer):
                guard EnvelopeHeader.sender(ofEnvelope: frame[...]) == peer else {
                    close(context: context, reason: "sender_mismatch")
                    return
                }
                continuation.yield(
                    InboundPacket(channel: .stream, bytes: frame, source: context.remoteAddress))
            case .closed:
                return
            }
        }
        if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
    }

    /// The next whole frame, or nil (waiting for more bytes, or closed for a length past the
    /// phase's limit).
    private func nextFrame(context: ChannelHandlerContext) -> [UInt8]? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let limit: Int
        let reason: String
        switch phase {
        case .awaitingHandshake:
            (limit, reason) = (
                StreamHandshake.maxEncodedBytes + admission.keyring.overhead, "handshake_oversize"
            )
        case .established: (limit, reason) = (maxFrameBytes, "frame_oversize")
        case .closed: return nil
        }
        guard Int(length) <= limit else {
            close(context: context, reason: reason)
            return nil
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readBytes(length: Int(length))
    }

    private func handshake(_ frame: [UInt8], context: ChannelHandlerContext) {
        switch admission.authenticate(
            context.channel, handshake: frame[...], now: WallClock.nowMilliseconds())
        {
        case let .refused(reason):
            close(context: context, reason: reason)
        case let .accepted(peer, closing):
            handshakeDeadline?.cancel()
            handshakeDeadline = nil
            phase = .established(peer)
            for old in closing { old.pipeline.fireUserInboundEventTriggered(StreamGate.Supersede()) }
        }
    }

    /// Asks an older connection of the same peer to close (past `establishedPerPeer`).
    struct Supersede: Sendable {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Supersede {
            close(context: context, reason: "superseded")
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            close(context: context, reason: "idle")
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
        if closeReason == nil {
            closeReason = "peer_closed"
            admission.metrics?.streamClosed(reason: "peer_closed")
        }
        phase = .closed
        if registered {
            registered = false
            admission.closed(context.channel)
        }
        buffer = ByteBuffer()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context, reason: "error")
    }

    private func close(context: ChannelHandlerContext, reason: String) {
        if case .closed = phase { return }
        phase = .closed
        if closeReason == nil {
            closeReason = reason
            admission.metrics?.streamClosed(reason: reason)
        }
        buffer = ByteBuffer()
        context.close(promise: nil)
    }
}

/// The inbound side of a stream this node opened: nothing is expected from the peer, so any
/// byte closes it (counted as `outbound_unexpected_data`), as does idleness in both directions.
final class OutboundStreamGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let metrics: NodeMetrics?

    init(metrics: NodeMetrics?) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        metrics?.streamClosed(reason: "outbound_unexpected_data")
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            metrics?.streamClosed(reason: "outbound_idle")
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
