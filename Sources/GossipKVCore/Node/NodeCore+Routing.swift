/// Where the engine and the membership meet: each one's directives, translated for the shell,
/// and the membership's carried out on the engine first.
extension NodeCore {
    /// The engine's directives, for the shell.
    func route(_ directives: [GossipDirective]) -> [NodeCoreDirective] {
        directives.map { directive in
            switch directive {
            case let .send(message, to: peer): return .send(.gossip(message), to: peer)
            case let .applied(entry): return .applied(entry)
            case let .collected(entry): return .collected(entry)
            case let .rejected(reason, from: peer): return .rejected(.gossip(reason), from: peer)
            case let .answerCompleted(from: peer, adopted: adopted): return .answerCompleted(from: peer, adopted: adopted)
            }
        }
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
                routed.append(.send(.swim(paced), to: peer))
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
                        routed += route(engine.startRound(with: member.id, now: now))
                    }
                } else {
                    engine.removePeer(member.id)
                }
            case let .summary(summary, from: peer):
                routed += route(
                    engine.receive(.syncSummary(summary), from: peer, senderClock: clock, now: now, receivedAt: receivedAt))
            case let .dropped(reason, from: peer):
                routed.append(.rejected(.membership(reason), from: peer))
            case let .introduce(stranger, at: address):
                routed.append(.introduce(stranger, at: address))
            }
        }
        return routed
    }
}
