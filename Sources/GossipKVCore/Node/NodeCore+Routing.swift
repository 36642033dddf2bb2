/// Where the engine and the membership meet: each one's directives, translated for the shell,
/// and the membership's carried out on the engine first.
extension NodeCore {
    /// The engine's directives, for the shell; messages leave framed at `now`.
    mutating func route(_ directives: [GossipDirective], now: UInt64) -> [NodeCoreDirective] {
        var routed: [NodeCoreDirective] = []
        routed.reserveCapacity(directives.count)
        for directive in directives {
            switch directive {
            case let .send(message, to: peer): routed.append(send(.gossip(message), to: peer, now: now))
            case let .applied(entry): routed.append(.applied(entry))
            case let .collected(entry): routed.append(.collected(entry))
            case let .rejected(reason, from: peer): routed.append(.rejected(.gossip(reason), from: peer))
            case let .answerCompleted(from: peer, adopted: adopted):
                routed.append(.answerCompleted(from: peer, adopted: adopted))
            }
        }
        return routed
    }

    /// The membership's directives: member changes move the engine's peers (and a member active
    /// again gets a round at once), summaries go to the engine with `clock`, the HLC of the
    /// message that caused them (read off the network at `receivedAt`); the rest is the shell's.
    mutating func route(
        _ directives: [MembershipDirective], clock: HLCTimestamp, now: UInt64, receivedAt: UInt64?
    ) -> [NodeCoreDirective] {
        var routed: [NodeCoreDirective] = []
        for directive in directives {
            switch directive {
            case let .send(message, to: peer):
                let paced = summaryPacing?.paced(message, to: peer, now: now) ?? message
                routed.append(send(.swim(paced), to: peer, now: now))
            case let .memberChanged(member, previous):
                // A new run, a return or a departure: whatever it heard from us may be gone.
                summaryPacing?.forget(member.id)
                routed.append(.memberChanged(member, previous: previous))
                if member.state.isActive {
                    engine.addPeer(member.id)
                    // Back from dead (a healed partition, a resumed pause): exchange digests at
                    // once rather than wait for a summary on a probe, since both sides may have
                    // written.
                    if !(previous?.isActive ?? false) {
                        routed += route(engine.startRound(with: member.id, now: now), now: now)
                    }
                } else {
                    engine.removePeer(member.id)
                }
            case let .summary(summary, from: peer):
                routed += route(
                    engine.receive(
                        .syncSummary(summary), from: peer, senderClock: clock, now: now,
                        receivedAt: receivedAt),
                    now: now)
            case let .dropped(reason, from: peer):
                routed.append(.rejected(.membership(reason), from: peer))
            case let .introduce(stranger, at: address):
                routed.append(.introduce(stranger, at: address))
            }
        }
        return routed
    }

    /// Encodes and frames `message` for `peer`: the channel its sealed size picks, the next
    /// sequence number of that channel, the clock at `now`. A message the codec refuses (the
    /// core never makes one) comes out as `.unsendable`, for the shell to log.
    mutating func send(_ message: OutboundMessage, to peer: NodeID, now: UInt64) -> NodeCoreDirective {
        let body: [UInt8]
        do {
            switch message {
            case let .gossip(gossip): body = try gossip.encodedBody(limits: engine.config.limits)
            case let .swim(swim): body = try swim.encodedBody()
            }
        } catch {
            return .unsendable(message, to: peer, reason: "\(error)")
        }
        let frame = framing.frame(
            kind: message.kind, body: body, to: peer, hlc: engine.replica.readTime(physical: now))
        return .send(message, frame, to: peer)
    }
}
