import GossipKVCore
import GossipKVCrypto
import NIOCore

extension Node {
    /// Carries out the core's directives: sends, storage and the change feed, metrics and logs.
    ///
    /// The batch's map changes (entries applied, entries collected: `loggedChanges`) are logged
    /// first, in the order the core made them, with one append: one `write(2)` per message
    /// instead of one per remote entry (that was 15-20 % of a receiving node's CPU). Nothing
    /// here waits for them to be durable: the core learns durability only from the watermarks
    /// logged after this returns (`persistDigestIfChanged`) once an fsync covers them
    /// (`advanceDurableDigest`), as before.
    func carryOut(_ directives: [NodeCoreDirective]) {
        let now = WallClock.nowMilliseconds()
        persist(directives.loggedChanges)
        for directive in directives {
            switch directive {
            case let .send(message, frame, to: peer):
                if case .gossip(.syncRequest) = message { roundStartedAt[peer] = now }
                if case let .gossip(.push(push)) = message { metrics.pushFanout.record(push.items.count) }
                sendSealed(frame, to: peer)
            case let .unsendable(message, to: peer, reason):
                logger.error("could not encode a \(message.kind) for \(peer): \(reason)")
            case let .applied(entry):
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
                // nothing there already, so subscribers hear nothing. Its removal is logged
                // above, so a restart does not bring it back.
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
        // New, or back from away: it may have missed revocations (`Node+Revocation.swift`).
        if member.state.isActive, !(previous?.isActive ?? false), !revocationBook.isEmpty {
            revocationBook.owed.insert(member.id)
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

    /// The phase of an encoded sync answer body, read without decoding its entries: the byte
    /// after the sync id (u64), chunk index (u32) and chunk count (u32) (`GossipMessage+Wire`).
    static func answerPhase(ofBody body: [UInt8]) -> SyncAnswer.Phase? {
        let offset = 8 + 4 + 4
        guard body.count > offset else { return nil }
        return SyncAnswer.Phase(rawValue: body[offset])
    }

    /// Signs the core's frame (`OutboundFraming` chose its channel and sequence) and writes it:
    /// a datagram, or a frame on the stream to `peer`, after the frames queued before it.
    func sendSealed(_ frame: OutboundFrame, to peer: NodeID) {
        guard let address = core.member(peer)?.address.gossipSocketAddress() else {
            metrics.rejected(reason: "no_address")
            return
        }
        let kind = frame.header.kind
        // A push on a stream whose peer does not keep up (or cannot be reached: each connect
        // waits up to 2 s) is dropped rather than queued without bound; datagrams are dropped
        // by the network instead. Checked before signing, which is the expensive part.
        if !frame.isDatagram, kind == .push,
            streamBacklog[address, default: 0] + frame.body.count > Self.maxPushStreamBacklogBytes
        {
            metrics.pushDropped(reason: "stream_backlog")
            return
        }
        let pairSigner = kind.isMembership ? pairMACSigner(for: peer) : nil
        let sealed =
            if let pairSigner {
                seal(frame, signer: pairSigner)
            } else {
                seal(frame, signer: signer)
            }
        guard let sealed else { return }
        if pairSigner != nil { metrics.sealedWithPairMAC() }
        metrics.messageOut(kind: "\(kind)", bytes: sealed.count)
        if kind == .syncAnswer, let phase = Self.answerPhase(ofBody: frame.body) {
            metrics.syncAnswerOut(phase: "\(phase)", bytes: sealed.count)
        }
        if frame.isDatagram {
            transport.sendDatagram(sealed, to: address)
        } else {
            // One chain per address: each frame waits for the one before, so frames to a peer
            // reach its stream in the order the core made them.
            let transport = self.transport
            let logger = self.logger
            let previous = streamSends[address]
            let bytes = sealed.count
            streamBacklog[address, default: 0] += bytes
            streamSends[address] = Task { [weak self] in
                await previous?.value
                do {
                    try await transport.sendFrame(sealed, to: address, recipient: peer)
                } catch {
                    logger.debug("stream to \(address) failed: \(error)")
                }
                await self?.streamFrameDone(bytes, to: address)
            }
        }
    }

    /// Unsent bytes a peer's stream may hold before pushes to it are dropped (`sendSealed`):
    /// 16 full stream-sized pushes, a quarter to half a second of the top write rate of a 3-node
    /// cluster on the benchmark machine.
    static let maxPushStreamBacklogBytes = 4 * 1024 * 1024

    private func streamFrameDone(_ bytes: Int, to address: SocketAddress) {
        let left = streamBacklog[address, default: 0] - bytes
        streamBacklog[address] = left > 0 ? left : nil
    }

    /// A per-pair MAC signer for SWIM messages to `peer` (DESIGN, "The envelope and
    /// authentication"; `PairKeyring`), or nil to sign: no pair secret with it, or no message
    /// of its current run authenticated yet, so its boot epoch is unknown.
    func pairMACSigner(for peer: NodeID) -> PairMACSigner? {
        guard let peerBootEpoch = opener.replayGuard.bootEpoch(of: peer) else { return nil }
        return verifier.pairKeys?.signer(for: peer, recipientBootEpoch: peerBootEpoch.rawValue)
    }

    /// Frames and signs a message the shell composes itself (an announcement).
    func seal(kind: MessageKind, body: [UInt8], recipient: NodeID, channel: WireChannel) -> [UInt8]? {
        seal(
            core.frame(
                kind: kind, body: body, to: recipient, channel: channel, now: WallClock.nowMilliseconds()),
            signer: signer)
    }

    /// Signs `frame` and, in a closed cluster, seals the envelope under the primary data key
    /// (`SharedKeyring`): the envelope leaves room for the sealed frame's 45 bytes, so the whole
    /// stays within the stream's frame limit.
    func seal(_ frame: OutboundFrame, signer: some MessageSigner) -> [UInt8]? {
        do {
            let envelope = try Envelope.seal(
                header: frame.header, body: frame.body, signer: signer,
                maxBytes: configuration.gossip.limits.maxFrameBytes - keyring.overhead)
            return keyring.seal(envelope)
        } catch {
            logger.error("could not seal \(frame.header.kind): \(error)")
            return nil
        }
    }
}
