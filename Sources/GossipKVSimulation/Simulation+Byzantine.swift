import GossipKVCore

/// The liars' side of the message path (`ByzantinePeer`): what a liar overhears, and how each
/// message its engine or membership wants to send becomes a lie before it is sealed.
extension Simulation {
    /// Notes what an authenticated envelope tells the liar at `node`, and keeps its body for
    /// replays. The liar's engine and membership then handle it as any node does.
    mutating func overhear(_ frame: AuthenticatedFrame, at node: Int) {
        let body = Array(frame.body)
        nodes[node].liar?.remember(ByzantinePeer.Overheard(kind: frame.header.kind, body: body))
        guard !frame.header.kind.isMembership,
            let message = try? GossipMessage.decodeBody(
                kind: frame.header.kind, frame.body, limits: nodes[node].opener.limits)
        else { return }
        nodes[node].liar?.overhear(message, from: frame.header.sender)
    }

    /// Sends a lie in place of `frame`, which the liar at `from` meant for `to`. Per message the
    /// seed picks: an old body re-sealed (to `to` or another node), an old envelope of ours
    /// delivered again as it was, or the message itself tampered with (`ByzantinePeer.tamper`).
    /// A tampered message the codec cannot encode (none should) goes out as the original.
    mutating func lie(_ frame: OutboundFrame, from: Int, to: Int) -> String? {
        guard var liar = nodes[from].liar else { return transmit(frame, from: from, to: to) }
        let (kind, body) = (frame.header.kind, frame.body)
        let liarID = nodes[from].id
        var outgoing: [(kind: MessageKind, body: [UInt8], to: Int)] = []
        let roll = liar.random.next() % 100
        if roll < 10, let old = liar.pick(liar.bodies) {
            liar.lies["replayed_body", default: 0] += 1
            let others = nodes.indices.filter { $0 != from }
            let target = liar.chance(50) ? to : (liar.pick(others) ?? to)
            outgoing.append((old.kind, old.body, target))
        } else if roll < 15, let old = liar.pick(liar.envelopes) {
            liar.lies["replayed_envelope", default: 0] += 1
            replayEnvelope(old, from: from)
        } else if kind.isMembership {
            let members = (nodes[from].membership?.members ?? []).filter { $0.id != liarID }
            if let message = try? SWIMMessage.decodeBody(kind: kind, body[...]) {
                for lie in liar.tamper(message, members: members) {
                    if let encoded = try? lie.encodedBody() { outgoing.append((lie.kind, encoded, to)) }
                }
            }
        } else {
            let limits = options.gossip.limits
            let replica = nodes[from].engine.replica
            var origins = Set(replica.digest.watermarks.keys)
            for member in nodes[from].membership?.members ?? [] { origins.insert(member.id) }
            if nodes[from].membership == nil { origins.formUnion(nodes.map(\.id)) }
            if let message = try? GossipMessage.decodeBody(kind: kind, body[...], limits: limits) {
                let lies = liar.tamper(
                    message, to: nodes[to].id, origins: origins.sorted(), clock: replica.clock.last)
                for lie in lies {
                    if let encoded = try? lie.encodedBody(limits: limits) {
                        outgoing.append((lie.kind, encoded, to))
                    }
                }
            }
        }
        if outgoing.isEmpty && roll >= 15 {
            liar.lies["untampered", default: 0] += 1
            outgoing.append((kind, body, to))
        }
        liar.remember(ByzantinePeer.Overheard(kind: kind, body: body))
        nodes[from].liar = liar
        // Each lie is framed by the liar's own core: its boot epoch, its next sequence numbers,
        // the channel its size picks.
        for message in outgoing where message.to != from {
            let frame = nodes[from].core.frame(
                kind: message.kind, body: message.body, to: nodes[message.to].id, now: physical(of: from))
            if let problem = transmit(frame, from: from, to: message.to) { return problem }
        }
        return nil
    }

    /// Delivers one of the liar's old envelopes again, byte for byte: the recipient's replay
    /// window must refuse it (unless the recipient restarted since, and lost its windows; then
    /// it is an old message of a member, which must do no harm either).
    private mutating func replayEnvelope(_ old: ByzantinePeer.SentEnvelope, from: Int) {
        guard network.allows(from: from, to: old.to) else { return }
        let delay = network.delay(
            min: options.minimumDelayMilliseconds, max: options.maximumDelayMilliseconds)
        schedule(
            .deliver(
                from: from, to: old.to, generation: nodes[old.to].generation, envelope: old.envelope,
                channel: old.channel),
            at: now + delay)
    }

    /// The lies told, by form, summed over liars.
    var liesTold: [String: Int] {
        nodes.reduce(into: [:]) { total, node in total.merge(node.liar?.lies ?? [:], uniquingKeysWith: +) }
    }
}
