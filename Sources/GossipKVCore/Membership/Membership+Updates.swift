/// Dissemination and the rules for merging what others say (SWIM, Das et al. 2002, sections 4.1
/// and 4.2): updates are piggybacked on every message, a report replaces what we know only if it
/// has a higher incarnation or, at the same incarnation, a state of higher precedence, and a
/// node that hears itself accused refutes with a higher incarnation.
extension Membership {
    // MARK: Receiving updates

    /// Merges updates gossiped by another node (on a SWIM message or an anti-entropy message
    /// from `sender`, when the caller knows it). Returns a `memberChanged` directive for each
    /// member whose state or address changed, and a ping to some of them (other than `sender`):
    ///
    /// - to a member that appeared or came back, a greeting carrying our own record, so that a
    ///   newcomer learns of us as fast as the news of its arrival spreads, instead of waiting
    ///   for every member's round-robin to reach it;
    /// - to a member we now suspect, its accusation (Lifeguard section 4.5, the buddy system,
    ///   applied by every node that starts a suspicion timer, not only the accuser). A live
    ///   suspect's ack brings its refutation straight back: measured in simulation, a node
    ///   paused for a probe period was otherwise declared dead, then revived, in a quarter of
    ///   runs at N = 10, because gossip needs about as long as DESIGN's 1.5 s suspicion timeout
    ///   to carry the refutation to everyone. The cost is one ping per node per suspicion.
    public mutating func apply(_ updates: [MemberUpdate], from sender: NodeID? = nil, now: UInt64) -> [MembershipDirective] {
        var directives: [MembershipDirective] = []
        for update in updates.prefix(MemberUpdate.maxPerMessage) {
            let changes = applyUpdate(update, now: now)
            directives += changes
            guard !hasLeft else { continue }
            for case let .memberChanged(member, previous) in changes where member.id != sender {
                let appeared = member.state.isActive && !(previous?.isActive ?? false)
                let suspected = member.state == .suspect && previous != .suspect
                if appeared || suspected { directives.append(courtesyPing(to: member.id, summary: nil)) }
            }
        }
        return directives
    }

    mutating func applyUpdate(_ update: MemberUpdate, now: UInt64) -> [MembershipDirective] {
        if update.id == localID {
            refute(update)
            return []
        }
        guard !excluded.contains(update.id) else { return [] }
        guard var record = records[update.id] else {
            // Dead and left strangers are not worth remembering: we never knew them.
            guard update.state.isActive else { return [] }
            let added = Member(id: update.id, address: update.address, incarnation: update.incarnation, state: update.state)
            insertMember(added)
            if update.state == .suspect {
                let deadline = now.addingSaturating(currentSuspicionTimeout)
                records[update.id]?.suspicionDeadline = deadline
            }
            return [.memberChanged(added, previous: nil)]
        }
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
        if !previous.state.isActive && update.state.isActive { introductions.insert(update.id) }
        // Infection style: whoever learns news passes it on.
        broadcasts.enqueue(record.member.update)
        guard previous.state != update.state || previous.address != update.address else { return [] }
        return [.memberChanged(record.member, previous: previous.state)]
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
            let death = MemberUpdate(id: member.id, address: member.address, incarnation: member.incarnation, state: .dead)
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
        var candidates = records.values.map(\.member).filter { $0.state.isActive && !excluded.contains($0.id) }
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
