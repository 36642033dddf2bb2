/// Dissemination and the rules for merging what others say (SWIM, Das et al. 2002, sections 4.1
/// and 4.2): updates are piggybacked on every message, a report replaces what we know only if it
/// has a higher incarnation or, at the same incarnation, a state of higher precedence, and a
/// node that hears itself accused refutes with a higher incarnation.
extension Membership {
    // MARK: Receiving updates

    /// Merges updates gossiped by `sender` (on a SWIM message or an anti-entropy message whose
    /// envelope carried `senderClock`). Updates are claims, and no claim evicts or redirects a
    /// member for good, nor makes this node track members without limit:
    ///
    /// - an update whose incarnation is out of its sender's reach (`isWithinReach`) is refused
    ///   with `.dropped(.incarnationOutOfReach)`;
    /// - an update naming an active member we do not know inserts nothing: it yields at most an
    ///   `.introduce` for the shell (`noteStranger`), and the member is admitted only through
    ///   its own signed announcement (`addMember`). Dead and left strangers are ignored.
    ///
    /// Returns a `memberChanged` directive for each member whose state or address changed, and a
    /// ping to some of them (other than `sender`):
    ///
    /// - to a member that appeared or came back, a greeting carrying our own record, so that a
    ///   newcomer learns of us as fast as the news of its arrival spreads, instead of waiting
    ///   for every member's round-robin to reach it;
    /// - to a member we now suspect, its accusation (Lifeguard section 4.5, the buddy system,
    ///   applied by every node that starts a suspicion timer, not only the accuser). A live
    ///   suspect's ack brings its refutation straight back: measured in simulation, a node
    ///   paused for a probe period was otherwise declared dead, then revived, in a quarter of
    ///   runs at N = 10, because gossip needs about as long as DESIGN's 1.5 s suspicion timeout
    ///   to carry the refutation to everyone. The cost is one ping per node per suspicion;
    /// - to a member we held alive and now hear is dead, its death notice, for the same reason
    ///   (after a partition heals, each side's death notices reach members of the other side
    ///   that never lost the victim);
    /// - when a dead member comes back, to the other dead members (`reconnectBurst`).
    public mutating func apply(
        _ updates: [MemberUpdate], from sender: NodeID, senderClock: HLCTimestamp, now: UInt64
    ) -> [MembershipDirective] {
        var directives: [MembershipDirective] = []
        for update in updates.prefix(MemberUpdate.maxPerMessage) {
            guard isWithinReach(update, senderClock: senderClock) else {
                directives.append(
                    .dropped(
                        .incarnationOutOfReach(member: update.id, incarnation: update.incarnation),
                        from: sender))
                continue
            }
            if update.id == localID, update.state != .alive, !hasLeft, records[sender] != nil {
                // The sender holds us suspect or dead: our own record rides on what we send it
                // next (the ack this message gets, or the ack to its ping), so that the
                // refutation reaches it even when it no longer gossips with us.
                introductions.insert(sender)
            }
            if update.id != localID, records[update.id] == nil {
                if !excluded.contains(update.id), update.state.isActive {
                    directives += noteStranger(update, from: sender, now: now)
                }
                continue
            }
            let changes = applyUpdate(update, now: now)
            directives += changes
            guard !hasLeft else { continue }
            for case let .memberChanged(member, previous) in changes where member.id != sender {
                let appeared = member.state.isActive && !(previous?.isActive ?? false)
                let suspected = member.state == .suspect && previous != .suspect
                // Dead by hearsay while we held it alive: the accuser may only have been cut off
                // from it (a partition that just healed gossips every death it saw), so it gets
                // its death notice straight away, and a live member refutes in one round trip.
                let killed = member.state == .dead && previous == .alive
                if appeared || suspected || killed {
                    directives.append(courtesyPing(to: member.id, summary: nil))
                }
            }
        }
        return directives
    }

    /// Whether `update`'s incarnation is within its sender's reach. An incarnation starts at its
    /// member's boot epoch (that member's HLC at start) and grows by one per refutation, and
    /// every hop that relays it has merged the clock of the message it came in; so an honest
    /// sender never names one above its own HLC plus the max clock offset (in HLC raw units, the
    /// offset shifted past the 16 logical bits), give or take the refutations its member made
    /// faster than its clock moved (`refutationAllowance`). Beyond that it is a lie or a broken
    /// node, and believing it would let one admitted peer evict a member for good
    /// (`dead@UInt64.max`, which nobody can refute) or redirect its traffic (`alive@max`).
    ///
    /// About ourselves the bound is tighter (no allowance) above our own incarnation, so that
    /// our refutation of the highest claim accepted, one above it, is within our own reach as
    /// others judge it; at or below our incarnation a claim can only make us refute by one.
    func isWithinReach(_ update: MemberUpdate, senderClock: HLCTimestamp) -> Bool {
        let offset = config.maxClockOffsetMilliseconds.multipliedSaturating(by: 1 << HLCTimestamp.logicalBits)
        let reach = senderClock.rawValue.addingSaturating(offset)
        if update.id == localID {
            return update.incarnation <= localMember.incarnation || update.incarnation <= reach
        }
        return update.incarnation <= reach.addingSaturating(config.refutationAllowance)
    }

    /// An active member we do not know was named by `sender`. Gossip never inserts it: it is
    /// admitted only through its own signed announcement. We ask the shell to introduce us to it
    /// (it answers with its announcement), once per `strangerRetryMilliseconds` per stranger,
    /// with at most `maxPendingStrangers` pending; beyond that it is refused and counted.
    mutating func noteStranger(_ update: MemberUpdate, from sender: NodeID, now: UInt64)
        -> [MembershipDirective]
    {
        guard !hasLeft else { return [] }
        let retry = config.strangerRetryMilliseconds
        if let last = strangers[update.id] {
            guard now >= last.addingSaturating(retry) else { return [] }
        } else if strangers.count >= max(0, config.maxPendingStrangers) {
            strangers = strangers.filter { now < $0.value.addingSaturating(retry) }
            guard strangers.count < max(0, config.maxPendingStrangers) else {
                return [.dropped(.tooManyStrangers(member: update.id), from: sender)]
            }
        }
        strangers[update.id] = now
        return [.introduce(update.id, at: update.address)]
    }

    /// Merges one update about ourselves or a member we know (callers filter strangers out).
    mutating func applyUpdate(_ update: MemberUpdate, now: UInt64) -> [MembershipDirective] {
        if update.id == localID {
            refute(update)
            return []
        }
        guard !excluded.contains(update.id), var record = records[update.id] else { return [] }
        let previous = record.member
        guard update.supersedes(incarnation: previous.incarnation, state: previous.state) else { return [] }
        record.member.incarnation = update.incarnation
        record.member.state = update.state
        record.member.address = update.address
        if update.state != .suspect {
            record.suspicionDeadline = nil
        } else if previous.state != .suspect || record.suspicionDeadline == nil {
            // A suspicion at a higher incarnation keeps the running timer: the member has had
            // that long to refute already.
            record.suspicionDeadline = now.addingSaturating(currentSuspicionTimeout)
        }
        records[update.id] = record
        var reconnects: [MembershipDirective] = []
        if previous.state == .dead && update.state.isActive {
            introductions.insert(update.id)
            revivalPingAt[update.id] = nil
            reconnects = reconnectBurst(now: now)
        } else if !previous.state.isActive && update.state.isActive {
            introductions.insert(update.id)
            revivalPingAt[update.id] = nil
        }
        // Infection style: whoever learns news passes it on.
        broadcasts.enqueue(record.member.update)
        guard previous.state != update.state || previous.address != update.address else { return reconnects }
        return [.memberChanged(record.member, previous: previous.state)] + reconnects
    }

    /// A dead member came back: the path to it works again, so a partition has likely healed,
    /// and the other dead members are likely back too. Ping them now (their death notice on
    /// top, so each refutes) instead of one per reconnect interval: after a 3-vs-3 split every
    /// node otherwise waited for its own reconnect ticks, and the last pair met 1-2 s after the
    /// heal. At most `config.maxReconnectBurst` pings, at most once per reconnect interval, so a
    /// liar's "alive" updates buy a bounded number of pings.
    mutating func reconnectBurst(now: UInt64) -> [MembershipDirective] {
        guard let interval = config.reconnectIntervalMilliseconds, config.maxReconnectBurst > 0, !hasLeft
        else {
            return []
        }
        if let last = lastReconnectBurstAt, now < last.addingSaturating(max(1, interval)) { return [] }
        var dead = records.values.filter { $0.member.state == .dead }.map(\.member.id).sorted()
        guard !dead.isEmpty else { return [] }
        lastReconnectBurstAt = now
        let wanted = min(config.maxReconnectBurst, dead.count)
        for index in 0..<wanted {
            dead.swapAt(index, index + Int(random.next() % UInt64(dead.count - index)))
        }
        return dead.prefix(wanted).map { courtesyPing(to: $0, summary: nil) }
    }

    /// News about ourselves. An accusation at or above our incarnation is refuted by raising it
    /// past the accusation's (SWIM section 4.2); Lifeguard counts a refutation against our local
    /// health, since being suspected hints that we are the slow one (section 4.1). A stale
    /// accusation means its sender missed our refutation: we gossip our state again.
    mutating func refute(_ update: MemberUpdate) {
        if hasLeft {
            // Leaving is final for this run; make sure the news outlives old reports.
            if !(update.state == .left && update.incarnation >= localMember.incarnation) {
                broadcasts.enqueue(localMember.update)
            }
            return
        }
        switch update.state {
        case .alive:
            // Only an earlier run of ours can have gone higher; climb above it.
            guard update.incarnation > localMember.incarnation else { return }
            localMember.incarnation = update.incarnation.addingSaturating(1)
        case .suspect, .dead, .left:
            if update.incarnation >= localMember.incarnation {
                localMember.incarnation = update.incarnation.addingSaturating(1)
                adjustLocalHealth(by: 1)
            } else if broadcasts.contains(localID) {
                return
            }
        }
        broadcasts.enqueue(localMember.update)
    }

    /// Suspicions whose time ran out become deaths (SWIM section 4.2, "Confirm").
    mutating func expireSuspicions(now: UInt64) -> [MembershipDirective] {
        var directives: [MembershipDirective] = []
        let expired = records.values
            .filter { ($0.suspicionDeadline ?? .max) <= now }
            .map(\.member)
            .sorted { $0.id < $1.id }
        for member in expired {
            let death = MemberUpdate(
                id: member.id, address: member.address, incarnation: member.incarnation, state: .dead)
            directives += applyUpdate(death, now: now)
        }
        return directives
    }

    // MARK: Piggybacking

    /// Up to `max` updates for another message to carry (the anti-entropy messages do), counted
    /// as sent: each update goes out about λ log N times in all, whichever message carries it.
    /// Mutating for that reason.
    public mutating func piggyback(max: Int) -> [MemberUpdate] {
        broadcasts.take(max: min(max, MemberUpdate.maxPerMessage), limit: transmitLimit)
    }

    /// The updates for a SWIM message to `recipient`. When we believe the recipient suspect or
    /// dead, its own record goes first, so that it learns of the accusation and can refute
    /// (Lifeguard section 4.5, the "buddy system"); then, once we left or while the recipient
    /// may not know us (`introductions`), our own record.
    mutating func piggyback(for recipient: NodeID) -> [MemberUpdate] {
        let capacity = min(max(0, config.maxUpdatesPerMessage), MemberUpdate.maxPerMessage)
        var updates: [MemberUpdate] = []
        if let theirs = records[recipient]?.member, theirs.state != .alive {
            updates.append(theirs.update)
        }
        if hasLeft || introductions.contains(recipient) { updates.append(localMember.update) }
        updates = Array(updates.prefix(capacity))
        // Never spend a transmission telling a member about itself: the buddy rule above already
        // covers what it must hear.
        updates += broadcasts.take(
            max: capacity - updates.count, limit: transmitLimit, excluding: updates.map(\.id) + [recipient])
        let room = min(capacity - updates.count, max(0, config.backgroundUpdatesPerMessage))
        if room > 0 { updates += backgroundRecords(room, excluding: updates.map(\.id) + [recipient]) }
        return updates
    }

    /// Current records of up to `count` random active members (possibly this node), the
    /// background push-pull of `MembershipConfig.backgroundUpdatesPerMessage`. Resending a
    /// record the recipient holds changes nothing there, so this costs bytes, never churn.
    mutating func backgroundRecords(_ count: Int, excluding excluded: [NodeID]) -> [MemberUpdate] {
        var candidates = records.values.map(\.member).filter {
            $0.state.isActive && !excluded.contains($0.id)
        }
        if localMember.state.isActive && !excluded.contains(localID) { candidates.append(localMember) }
        candidates.sort { $0.id < $1.id }
        let wanted = min(count, candidates.count)
        for index in 0..<wanted {
            let pick = index + Int(random.next() % UInt64(candidates.count - index))
            candidates.swapAt(index, pick)
        }
        return candidates.prefix(wanted).map(\.update)
    }
}
