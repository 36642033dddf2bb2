import GossipKVCore
import GossipKVCrypto
import NIOCore

extension Node {
    /// Opens one packet in DESIGN's order of checks and hands what passes to the core. Every drop
    /// is counted by reason; none stops the node.
    ///
    /// In a closed cluster a datagram or multicast packet is a sealed frame, opened first
    /// (`SharedKeyring.open`: layout, key id by lookup, one AEAD check, about a microsecond), so
    /// traffic from outside the keyring costs no signature check and no replay-window work.
    /// Stream frames arrive opened already (`StreamGate`).
    func handle(_ packet: InboundPacket) {
        guard !isShuttingDown else { return }
        let now = WallClock.nowMilliseconds()
        core.noteRunTime(monotonic: WallClock.monotonicMilliseconds(), now: now)
        let limits = configuration.gossip.limits
        var packet = packet
        if packet.channel != .stream {
            switch keyring.open(packet.bytes, maxBytes: limits.maxDatagramBytes) {
            case let .failure(rejection):
                metrics.rejected(reason: rejection.label)
                return
            case let .success(envelope):
                packet.bytes = envelope
            }
        }
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
        let pending: PendingVerification
        switch opener.precheck(packet.bytes[...], maxBytes: maxBytes, verifier: verifier) {
        case let .failure(rejection):
            metrics.rejected(reason: rejection.label)
            if case .unknownSender = rejection, header.cluster == opener.cluster {
                introduceUnknownMember(header.sender, now: now)
            }
            refreshTimer()
            return
        case let .success(passed):
            pending = passed
        }
        // The expensive step, within budget: only failures spend it (`VerificationBudget`).
        let lane = VerificationLane(source: packet.source, sender: header.sender)
        let admitted = verificationBudget.admit(lane, now: now)
        guard admitted == .allowed else {
            metrics.rejected(reason: "verification_\(admitted.label)")
            refreshTimer()
            return
        }
        metrics.authenticatorChecked()
        let verdict = opener.verify(pending, verifier: verifier)
        switch verdict {
        case let .failure(rejection):
            verificationBudget.record(lane, verified: false, now: now)
            metrics.rejected(reason: rejection.label)
        case let .success(frame):
            verificationBudget.record(lane, verified: true, now: now)
            metrics.messageIn(kind: "\(header.kind)", bytes: packet.bytes.count)
            // The message may move the clock up to the max offset ahead: keep the ceiling above.
            renewClockCeilingIfNeeded(now: now)
            dispatch(frame, now: now, receivedAt: packet.receivedAt)
            persistDigestIfChanged()
        }
        refreshTimer()
    }

    /// A message from a sender we hold no certificate for. When membership knows it (learned
    /// by gossip), we send our announcement, which asks for its own, to the address membership
    /// has for it, never to the packet's source: a forged header from a spoofed address must
    /// not make us send 320 bytes to that address for 79 (reflection). A sender membership does
    /// not know gets no answer; it announces itself, or gossip names it and `memberChanged`
    /// introduces us.
    private func introduceUnknownMember(_ sender: NodeID, now: UInt64) {
        guard let member = core.member(sender), member.state.isActive,
            let target = member.address.gossipSocketAddress()
        else { return }
        introduce(to: target, now: now)
    }

    /// Decodes an authenticated message and hands it to the core (`NodeCore`), which checks
    /// its clock, wires engine and membership, and answers with what to carry out.
    private func dispatch(_ frame: AuthenticatedFrame, now: UInt64, receivedAt: UInt64) {
        let header = frame.header
        let limits = configuration.gossip.limits
        if header.kind.isRevocation {
            receiveRevocations(frame.body, from: header.sender, now: now)
            return
        }
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
                core.receiveGossip(
                    message, from: header.sender, senderClock: header.hlc, now: now, receivedAt: receivedAt))
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

/// Where an envelope came from, as far as the receiver can tell: the packet's source address
/// and the sender its header claims. The verification budget trusts or limits each lane apart,
/// so a forger on one lane does not slow a member's own.
struct VerificationLane: Hashable, Sendable {
    var source: SocketAddress?
    var sender: NodeID
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
