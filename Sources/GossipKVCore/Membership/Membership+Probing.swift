/// The failure detector: one probe per protocol period (SWIM, Das et al. 2002, section 3), the
/// indirect probe through `k` members (section 3.1), and Lifeguard's nacks and local health
/// (Dadgar et al. 2017, sections 4.1 and 4.3).
extension Membership {
    // MARK: Probing

    /// Starts the next protocol period: ping the next member of the round-robin.
    mutating func startProbe(now: UInt64, summary: SyncSummary?) -> [MembershipDirective] {
        nextProbeAt = now.addingSaturating(max(1, currentProbeInterval))
        let records = self.records
        guard
            let target = probeOrder.next(
                random: &random, where: { records[$0]?.member.state.isActive ?? false })
        else { return [] }
        let sequence = makeSequence()
        probe = Probe(
            sequence: sequence, target: target, indirectAt: now.addingSaturating(currentProbeTimeout))
        return [
            .send(.ping(sequence: sequence, updates: piggyback(for: target), summary: summary), to: target)
        ]
    }

    /// No direct ack within the probe timeout: ask `k` random alive members to probe the target.
    mutating func sendIndirectProbesIfDue(now: UInt64) -> [MembershipDirective] {
        guard var current = probe, !current.acked, let indirectAt = current.indirectAt, now >= indirectAt
        else { return [] }
        current.indirectAt = nil
        current.relays = randomMembers(config.indirectChecks, excluding: [current.target])
        probe = current
        return current.relays.map { relay in
            .send(
                .pingRequest(
                    sequence: current.sequence, target: current.target, updates: piggyback(for: relay)),
                to: relay)
        }
    }

    /// Ends the protocol period. An unacked probe raises local health (by the nacks that did not
    /// come, or by one when nobody was asked: Lifeguard section 4.3) and makes an alive target
    /// suspect (SWIM section 4.2), and we tell the accused at once (Lifeguard section 4.5, the
    /// buddy system): the suspicion timeout (1.5 s for N ≤ 10) is about the time gossip takes to
    /// reach a given member, so waiting for our next round-robin visit or for the gossip to get
    /// there would often declare a merely slow member dead before it could refute.
    mutating func finishProbe(now: UInt64, summary: SyncSummary?) -> [MembershipDirective] {
        guard let finished = probe else { return [] }
        probe = nil
        guard !finished.acked else { return [] }
        let missedNacks = finished.relays.filter { !finished.nacks.contains($0) }.count
        adjustLocalHealth(by: finished.relays.isEmpty ? 1 : missedNacks)
        guard let target = records[finished.target]?.member, target.state == .alive else { return [] }
        let accusation = MemberUpdate(
            id: target.id, address: target.address, incarnation: target.incarnation, state: .suspect)
        return applyUpdate(accusation, now: now) + [courtesyPing(to: target.id, summary: summary)]
    }

    mutating func receiveAck(
        _ sequence: UInt64, from sender: NodeID, now: UInt64, summary: SyncSummary?
    ) -> [MembershipDirective] {
        // The target of an indirect probe we relay answered: pass it on to the prober.
        if let relay = relays[sequence], relay.target == sender {
            relays[sequence] = nil
            let ack = SWIMMessage.ack(
                sequence: relay.originSequence, updates: piggyback(for: relay.origin), summary: summary)
            return [.send(ack, to: relay.origin)]
        }
        if var current = probe, current.sequence == sequence,
            current.target == sender || current.relays.contains(sender)
        {
            if !current.acked {
                current.acked = true
                current.indirectAt = nil
                probe = current
                adjustLocalHealth(by: -1)
                records[current.target]?.member.lastHeardAt = now
            }
            return []
        }
        if let index = courtesyPings.firstIndex(of: sequence) {
            courtesyPings.remove(at: index)
            // Any answered ping proves we still hear the cluster (Lifeguard section 4.3). It
            // matters after a long partition or pause: a node that was alone has its health at
            // the top and probes nobody, and without this it would probe returning members
            // nine times slower, and suspect them nine times later, until its own probes
            // brought the counter down one by one.
            adjustLocalHealth(by: -1)
            return []
        }
        // The answers to the pings that carried our leave.
        if hasLeft { return [] }
        return [.dropped(.unexpectedAck(sequence: sequence), from: sender)]
    }

    mutating func receiveNack(_ sequence: UInt64, from sender: NodeID) -> [MembershipDirective] {
        guard var current = probe, current.sequence == sequence, current.relays.contains(sender) else {
            return [.dropped(.unexpectedNack(sequence: sequence), from: sender)]
        }
        current.nacks.insert(sender)
        probe = current
        return []
    }

    // MARK: Relaying

    /// Pings `target` on behalf of `origin` with a sequence number of our own, remembering how to
    /// answer: a relayed ack if the target answers, a nack after the relay timeout otherwise.
    mutating func receivePingRequest(
        _ sequence: UInt64, target: NodeID, from origin: NodeID, now: UInt64, summary: SyncSummary?
    ) -> [MembershipDirective] {
        guard !hasLeft else { return [.dropped(.hasLeft, from: origin)] }
        guard target != localID, target != origin else {
            return [.dropped(.invalidPingRequest, from: origin)]
        }
        guard relays.count < config.maxPendingRelays else { return [.dropped(.tooManyRelays, from: origin)] }
        let ours = makeSequence()
        relays[ours] = Relay(
            origin: origin, originSequence: sequence, target: target,
            nackAt: now.addingSaturating(config.relayTimeoutMilliseconds),
            expiresAt: now.addingSaturating(config.probeIntervalMilliseconds))
        return [.send(.ping(sequence: ours, updates: piggyback(for: target), summary: summary), to: target)]
    }

    /// Sends the nacks that are due and forgets relays past their end.
    mutating func expireRelays(now: UInt64) -> [MembershipDirective] {
        var directives: [MembershipDirective] = []
        for sequence in relays.keys.sorted() {
            guard var relay = relays[sequence] else { continue }
            if let nackAt = relay.nackAt, now >= nackAt {
                relay.nackAt = nil
                directives.append(.send(.nack(sequence: relay.originSequence), to: relay.origin))
            }
            relays[sequence] = now >= relay.expiresAt ? nil : relay
        }
        return directives
    }

    // MARK: Reconnecting

    /// Pings one random dead member with its own death notice on top, so that if it is in fact
    /// alive (a partition healed) it refutes, and its ack brings the refutation back.
    mutating func reconnect(now: UInt64, summary: SyncSummary?) -> [MembershipDirective] {
        nextReconnectAt = config.reconnectIntervalMilliseconds.map { now.addingSaturating(max(1, $0)) }
        let dead = records.values.filter { $0.member.state == .dead }.map(\.member.id).sorted()
        guard !dead.isEmpty else { return [] }
        let target = dead[Int(random.next() % UInt64(dead.count))]
        return [courtesyPing(to: target, summary: summary)]
    }

    // MARK: Local health

    /// Moves the Lifeguard counter, saturating at 0 and `maxLocalHealth`.
    mutating func adjustLocalHealth(by delta: Int) {
        localHealth = min(max(0, config.maxLocalHealth), max(0, localHealth + delta))
    }
}
