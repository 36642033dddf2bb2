import GossipKVCore
import GossipKVCrypto
import NIOCore

extension Node {
    /// Opens one packet in DESIGN's order of checks and hands what passes to the core. Every drop
    /// is counted by reason; none stops the node.
    func handle(_ packet: InboundPacket) {
        guard !isShuttingDown else { return }
        let now = WallClock.nowMilliseconds()
        let limits = configuration.gossip.limits
        var reader = ByteReader(packet.bytes)
        guard let (header, _) = try? EnvelopeHeader.decode(from: &reader) else {
            metrics.rejected(reason: packet.bytes.count > limits.maxFrameBytes ? "oversize" : "malformed")
            return
        }
        if refusedAsRevoked(header.sender) { return }
        if header.kind == .announcement {
            handleAnnouncement(packet, header: header, now: now)
            refreshTimer()
            return
        }
        let maxBytes = packet.channel == .stream ? limits.maxFrameBytes : limits.maxDatagramBytes
        switch opener.authenticate(packet.bytes[...], maxBytes: maxBytes, verifier: verifier) {
        case let .failure(rejection):
            metrics.rejected(reason: rejection.label)
            if case .unknownSender = rejection, let source = packet.source, header.cluster == opener.cluster {
                // A member we have no certificate for (learned by gossip): introduce ourselves
                // and ask for its announcement.
                introduce(to: replyAddress(source, port: nil), now: now)
            }
        case let .success(frame):
            metrics.messageIn(kind: "\(header.kind)", bytes: packet.bytes.count)
            // The message may move the clock up to the max offset ahead: keep the ceiling above.
            renewClockCeilingIfNeeded(now: now)
            dispatch(frame, now: now, receivedAt: packet.receivedAt)
            persistDigestIfChanged()
        }
        refreshTimer()
    }

    /// Decodes an authenticated message and hands it to the core (`NodeCore`), which checks
    /// its clock, wires engine and membership, and answers with what to carry out.
    private func dispatch(_ frame: AuthenticatedFrame, now: UInt64, receivedAt: UInt64) {
        let header = frame.header
        let limits = configuration.gossip.limits
        if header.kind.isMembership {
            let message: SWIMMessage
            do {
                message = try SWIMMessage.decodeBody(kind: header.kind, frame.body)
            } catch {
                metrics.rejected(reason: "invalid_body")
                return
            }
            carryOut(
                core.receiveMembership(
                    message, from: header.sender, senderClock: header.hlc, now: now, receivedAt: receivedAt))
            return
        }
        do {
            let message = try GossipMessage.decodeBody(kind: header.kind, frame.body, limits: limits)
            carryOut(
                core.receiveGossip(message, from: header.sender, senderClock: header.hlc, now: now, receivedAt: receivedAt))
        } catch {
            metrics.rejected(reason: "invalid_body")
        }
    }

    /// The source address of a packet, with the gossip port a member announced when known.
    func replyAddress(_ source: SocketAddress, port: UInt16?) -> SocketAddress {
        guard let port, var address = Optional(source) else { return source }
        try? address.setPort(Int(port))
        return address
    }
}

extension SocketAddress {
    mutating func setPort(_ port: Int) throws {
        switch self {
        case let .v4(address):
            self = try SocketAddress(ipAddress: address.host, port: port)
        case let .v6(address):
            self = try SocketAddress(ipAddress: address.host, port: port)
        default:
            break
        }
    }
}
