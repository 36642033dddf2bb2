import GossipKVCore
import GossipKVCrypto
import NIOCore

extension Node {
    /// Carries out the core's directives: sends, storage and the change feed, metrics and logs.
    func carryOut(_ directives: [NodeCoreDirective]) {
        let now = WallClock.nowMilliseconds()
        for directive in directives {
            switch directive {
            case let .send(.gossip(message), to: peer):
                if case .syncRequest = message { roundStartedAt[peer] = now }
                send(message, to: peer)
            case let .send(.swim(message), to: peer):
                sendMembership(message, to: peer)
            case let .applied(entry):
                persist(entry)
                feed.publish(Change(entry: entry, source: .remote))
                expiryWatch.track(entry)
            case let .rejected(reason, from: peer):
                metrics.rejected(reason: reason.label)
                switch reason {
                case .gossip:
                    logger.debug("refused data from \(peer): \(reason)")
                case .membership(.incarnationOutOfReach):
                    logger.warning("refused a membership claim from \(peer): \(reason)")
                case .membership:
                    break
                }
            case .collected:
                // Only dead entries are collected (a tombstone, an expired value): reads saw
                // nothing there already, so subscribers hear nothing.
                metrics.collected.increment()
            case let .answerCompleted(from: peer, adopted: _):
                if let started = roundStartedAt.removeValue(forKey: peer) {
                    metrics.syncDuration.recordMilliseconds(Int64(now > started ? now - started : 0))
                }
            case let .memberChanged(member, previous):
                memberChanged(member, previous: previous, now: now)
            case let .introduce(stranger, at: address):
                // Gossip named a member we do not know: our announcement asks for its own,
                // which admits it (`handleAnnouncement`). `introduce(to:)` rate-limits per address.
                if let target = address.gossipSocketAddress() {
                    logger.debug("introducing ourselves to \(stranger), named in gossip, at \(address)")
                    introduce(to: target, now: now)
                }
            }
        }
        metrics.keys.record(engine.replica.map.count)
    }

    /// The core has already moved the engine's peers; the shell asks an active member it has no
    /// certificate for to introduce itself, logs, and updates the member gauges.
    private func memberChanged(_ member: Member, previous: Member.State?, now: UInt64) {
        if member.state.isActive, verifier.senders[member.id] == nil,
            let address = member.address.gossipSocketAddress()
        {
            introduce(to: address, now: now)
        }
        let previousText = previous.map { "\($0)" } ?? "new"
        logger.info(
            "member \(member.id) \(previousText) -> \(member.state)",
            metadata: ["member.address": "\(member.address)", "member.incarnation": "\(member.incarnation)"])
        let members = core.members
        for state in Member.State.allCases {
            metrics.members(state: "\(state)", count: members.filter { $0.state == state }.count)
        }
    }

    func send(_ message: GossipMessage, to peer: NodeID) {
        let body: [UInt8]
        do {
            body = try message.encodedBody(limits: configuration.gossip.limits)
        } catch {
            logger.error("could not encode \(message.kind): \(error)")
            return
        }
        if case let .push(push) = message { metrics.pushFanout.record(push.items.count) }
        sendSealed(kind: message.kind, body: body, to: peer)
    }

    func sendMembership(_ message: SWIMMessage, to peer: NodeID) {
        do {
            let body = try message.encodedBody()
            sendSealed(kind: message.kind, body: body, to: peer)
        } catch {
            logger.error("could not encode a membership message: \(error)")
        }
    }

    /// Seals `body` for `peer` and sends it: a datagram when the envelope fits, else a TCP frame.
    func sendSealed(kind: MessageKind, body: [UInt8], to peer: NodeID) {
        guard let address = core.member(peer)?.address.gossipSocketAddress() else {
            metrics.rejected(reason: "no_address")
            return
        }
        let limits = configuration.gossip.limits
        let pairSigner = kind.isMembership ? pairMACSigner(for: peer) : nil
        let authenticatorLength = pairSigner?.authenticatorLength ?? signer.authenticatorLength
        let fits = EnvelopeHeader.encodedLength + body.count + authenticatorLength <= limits.maxDatagramBytes
        let channel: WireChannel = fits ? .gossipDatagram : .stream
        let sealed =
            if let pairSigner {
                seal(kind: kind, body: body, recipient: peer, channel: channel, signer: pairSigner)
            } else {
                seal(kind: kind, body: body, recipient: peer, channel: channel, signer: signer)
            }
        guard let sealed else { return }
        if pairSigner != nil { metrics.sealedWithPairMAC() }
        metrics.messageOut(kind: "\(kind)", bytes: sealed.count)
        if fits {
            transport.sendDatagram(sealed, to: address)
        } else {
            let transport = self.transport
            let logger = self.logger
            Task {
                do {
                    try await transport.sendFrame(sealed, to: address, recipient: peer)
                } catch {
                    logger.debug("stream to \(address) failed: \(error)")
                }
            }
        }
    }

    /// A per-pair MAC signer for SWIM messages to `peer` (DESIGN, "The envelope and
    /// authentication"; `PairKeyring`), or nil to sign: no pair secret with it, or no message
    /// of its current run authenticated yet, so its boot epoch is unknown.
    func pairMACSigner(for peer: NodeID) -> PairMACSigner? {
        guard let peerBootEpoch = opener.replayGuard.bootEpoch(of: peer) else { return nil }
        return verifier.pairKeys?.signer(for: peer, recipientBootEpoch: peerBootEpoch.rawValue)
    }

    func seal(kind: MessageKind, body: [UInt8], recipient: NodeID, channel: WireChannel) -> [UInt8]? {
        seal(kind: kind, body: body, recipient: recipient, channel: channel, signer: signer)
    }

    func seal(
        kind: MessageKind, body: [UInt8], recipient: NodeID, channel: WireChannel, signer: some MessageSigner
    ) -> [UInt8]? {
        let sequence = sequences[channel, default: 0]
        sequences[channel] = sequence + 1
        let header = EnvelopeHeader(
            kind: kind, cluster: opener.cluster, sender: id, recipient: recipient, bootEpoch: bootEpoch,
            channel: channel, sequence: sequence,
            hlc: engine.replica.readTime(physical: WallClock.nowMilliseconds()))
        do {
            return try Envelope.seal(
                header: header, body: body, signer: signer,
                maxBytes: configuration.gossip.limits.maxFrameBytes)
        } catch {
            logger.error("could not seal \(kind): \(error)")
            return nil
        }
    }
}
