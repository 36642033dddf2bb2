/// The events a node's shell feeds the core. Each returns what the shell must carry out, in
/// order.
extension NodeCore {
    /// An authenticated anti-entropy message from `sender` whose envelope carried `senderClock`;
    /// `receivedAt` is when the shell read it off the network, if it waited in a queue since.
    /// Unless its clock was refused, it also proves that `sender` runs (`Membership.heardFrom`).
    public mutating func receiveGossip(
        _ message: GossipMessage, from sender: NodeID, senderClock: HLCTimestamp, now: UInt64,
        receivedAt: UInt64? = nil
    ) -> [NodeCoreDirective] {
        let directives = engine.receive(
            message, from: sender, senderClock: senderClock, now: now, receivedAt: receivedAt)
        var routed = route(directives, now: now)
        guard !directives.contains(.rejected(.messageClockTooFarAhead, from: sender)) else { return routed }
        let summary = engine.summary
        if let revival = membership?.heardFrom(sender, now: now, summary: summary) {
            routed += route(revival, clock: senderClock, now: now, receivedAt: receivedAt)
        }
        return routed
    }

    /// An authenticated SWIM message from `sender`. The engine's clock check comes first, as
    /// for anti-entropy messages: a clock beyond the max offset is refused, not merged, and the
    /// updates are bounded by the clock it admits (`Membership.isWithinReach`).
    public mutating func receiveMembership(
        _ message: SWIMMessage, from sender: NodeID, senderClock: HLCTimestamp, now: UInt64,
        receivedAt: UInt64? = nil
    ) -> [NodeCoreDirective] {
        guard engine.observeClock(senderClock, from: sender, now: now, receivedAt: receivedAt) else {
            return [.rejected(.gossip(.messageClockTooFarAhead), from: sender)]
        }
        let summary = engine.summary
        guard
            let directives = membership?.receive(
                message, from: sender, senderClock: senderClock, now: now, summary: summary)
        else { return [] }
        return route(directives, clock: senderClock, now: now, receivedAt: receivedAt)
    }

    /// Discovery found `id` (a valid announcement: certificate, signature and clock checked by
    /// the shell) at `address`, claiming `incarnation` (its boot epoch). A new or renewed member
    /// becomes an engine peer and gets a round at once; a member held dead is asked to refute.
    /// The result is nil without membership.
    public mutating func admit(
        _ id: NodeID, address: MemberAddress, incarnation: UInt64, now: UInt64
    ) -> (result: AddMemberResult?, directives: [NodeCoreDirective]) {
        guard let result = membership?.addMember(id, address: address, incarnation: incarnation, now: now)
        else {
            return (nil, [])
        }
        switch result {
        case .added, .renewed:
            engine.addPeer(id)
            return (result, route(engine.startRound(with: id, now: now), now: now))
        case .alreadyKnown, .newerIncarnationKnown, .isSelf, .excluded:
            let summary = engine.summary
            let revival = membership?.heardFrom(id, now: now, summary: summary) ?? []
            return (
                result,
                route(revival, clock: engine.replica.readTime(physical: now), now: now, receivedAt: nil)
            )
        }
    }

    /// Runs the timers in the node's order: the engine's, then the membership's with the
    /// engine's current summary on its probes.
    public mutating func tick(now: UInt64) -> [NodeCoreDirective] {
        var routed = route(engine.tick(now: now), now: now)
        let summary = engine.summary
        if let directives = membership?.tick(now: now, summary: summary) {
            routed += route(
                directives, clock: engine.replica.readTime(physical: now), now: now, receivedAt: nil)
        }
        return routed
    }

    /// Leaves the cluster gracefully (`Membership.leave`). The shell SHOULD keep running for a
    /// moment so the news goes out.
    public mutating func leave(now: UInt64) -> [NodeCoreDirective] {
        guard let directives = membership?.leave(now: now) else { return [] }
        return route(directives, clock: engine.replica.readTime(physical: now), now: now, receivedAt: nil)
    }

    /// Removes `id` for good (its certificate was revoked): no longer a peer nor a member.
    public mutating func exclude(_ id: NodeID, now: UInt64) -> [NodeCoreDirective] {
        engine.removePeer(id)
        guard let directives = membership?.exclude(id) else { return [] }
        return route(directives, clock: engine.replica.readTime(physical: now), now: now, receivedAt: nil)
    }
}
