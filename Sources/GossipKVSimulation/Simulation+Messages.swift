import GossipKVCore

/// The message path, as the node runs it (`Node+Inbound.swift`, `Node+Outbound.swift`): every
/// message is sealed into a real envelope, sent over the simulated network, opened by the
/// node's real `EnvelopeOpener` (replay windows included) and dispatched by kind to the node's
/// `NodeCore`.
extension Simulation {
    // MARK: Receiving

    /// Opens `envelope` at `node` and hands what passes to the core. A refused envelope is
    /// counted by reason, as the node counts it, and changes nothing else.
    mutating func receive(_ envelope: [UInt8], channel: WireChannel, at node: Int) -> String? {
        let verifier = SimulatedAuthenticator(sender: nodes[node].id, knownSenders: knownIDs)
        let limits = options.gossip.limits
        let maxBytes = channel == .gossipDatagram ? limits.maxDatagramBytes : limits.maxFrameBytes
        switch nodes[node].opener.authenticate(envelope[...], maxBytes: maxBytes, verifier: verifier) {
        case let .failure(rejection):
            nodes[node].rejections[rejection.label, default: 0] += 1
            return nil
        case let .success(frame):
            if nodes[node].liar != nil { overhear(frame, at: node) }
            let clockRefusals = nodes[node].rejections[Self.clockRefusal, default: 0]
            let problem =
                frame.header.kind.isMembership
                ? receiveMembership(frame, at: node)
                : receiveGossip(frame, at: node)
            // A message refused for its sender's clock (beyond the max offset) does not count
            // as hearing from it: such a node is cut off as by a partition (DESIGN, "Skew beyond
            // the max offset is a fault like a partition"), and its absence runs on.
            if let sender = indexByID[frame.header.sender],
                nodes[node].rejections[Self.clockRefusal, default: 0] == clockRefusals
            {
                if now - lastHeard[node][sender] > options.gossip.tombstoneGracePeriodMilliseconds {
                    returnedAt[node][sender] = now
                }
                lastHeard[node][sender] = now
            }
            return problem ?? afterInput(node)
        }
    }

    /// Whether `a` has heard nothing from `b` for longer than the grace period, or heard it
    /// again less than a grace period ago after such an absence: a member back from a long
    /// absence is not re-admitted at once (its refutation takes a probe round or more), and a
    /// collection in between does not wait for it (the zombie limit).
    func isAway(_ b: Int, from a: Int) -> Bool {
        let grace = options.gossip.tombstoneGracePeriodMilliseconds
        return now - lastHeard[a][b] > grace || (returnedAt[a][b] > 0 && now - returnedAt[a][b] <= grace)
    }

    /// The label under which the core refuses a message whose sender clock is too far ahead.
    static let clockRefusal = GossipRejection.messageClockTooFarAhead.label

    private mutating func receiveGossip(_ frame: AuthenticatedFrame, at node: Int) -> String? {
        let header = frame.header
        let message: GossipMessage
        do {
            message = try GossipMessage.decodeBody(
                kind: header.kind, frame.body, limits: nodes[node].opener.limits)
        } catch {
            nodes[node].rejections[EnvelopeRejection.invalidBody(error).label, default: 0] += 1
            return nil
        }
        let before = nodes[node].engine.replica.digest
        let directives = nodes[node].core.receiveGossip(
            message, from: header.sender, senderClock: header.hlc, now: physical(of: node))
        if nodes[node].isHonest {
            history.noteClaims(
                of: nodes[node].engine.replica, before: before,
                from: indexByID[header.sender].map { nodes[$0].engine.replica })
        }
        if let problem = carryOut(directives, node: node) {
            return
                "\(problem) (node \(node) handling a \(header.kind) from node \(indexByID[header.sender] ?? -1) at t=\(now - start) ms)"
        }
        return nil
    }

    // MARK: Carrying out

    /// Carries out the core's directives as the node does (`Node.carryOut`): the batch's map
    /// changes (`loggedChanges`: applied entries, removals of collected ones) go to the log
    /// first, in one append; then messages are sealed and sent, refusals counted by label. The
    /// change feed and metrics are the node's; the simulator checks applied and collected
    /// entries against its history instead.
    mutating func carryOut(_ directives: [NodeCoreDirective], node: Int) -> String? {
        nodes[node].log.append(directives.loggedChanges)
        for directive in directives {
            switch directive {
            case .applied where !nodes[node].isHonest, .collected where !nodes[node].isHonest:
                // A liar's own state is not checked.
                continue
            case let .applied(entry):
                let readTime = nodes[node].engine.replica.readTime(physical: physical(of: node))
                if let problem = history.resurrection(at: nodes[node].id, merging: entry, now: readTime) {
                    return problem
                }
            case let .collected(entry):
                traceNote(
                    "node \(node) collected \(entry); ms since it heard each node: \(lastHeard[node].map { now - $0 })"
                )
                // Collection drops dead entries only: a live value dropped (on any peer's claim)
                // is a lost write, whatever the final map says.
                let collectorTime = nodes[node].engine.replica.readTime(physical: physical(of: node))
                if entry.visibleValue(at: collectorTime) != nil {
                    return "lost honest write: node \(node) dropped the live value \(entry)"
                }
                // Only a node away from the collector (down, or cut off from it either way) for
                // longer than the grace period may bring a value back: its live state, or what
                // it last synced to its disk. One way is enough: a node that hears nothing from
                // the collector (a one-way block, or a clock so far behind that it refuses every
                // message) acks none of its probes, is removed from its membership, and its
                // digest stops counting after the grace period, as for a partition.
                let collector = nodes[node].engine.replica
                let away = nodes.indices.filter {
                    $0 != node && nodes[$0].isHonest && (isAway($0, from: node) || isAway(node, from: $0))
                }
                history.noteZombies(
                    collected: entry, by: collector,
                    replicas: away.map { nodes[$0].engine.replica } + away.compactMap { nodes[$0].durable },
                    now: collector.readTime(physical: physical(of: node)))
                history.recordCollected(entry, by: nodes[node].id)
            case let .send(_, frame, to: peer):
                guard let target = indexByID[peer] else { continue }
                if let problem = sendSealed(frame, from: node, to: target) { return problem }
            case let .unsendable(message, to: _, reason):
                return "the core produced a \(message.kind) message the codec refused: \(reason)"
            case let .rejected(reason, _):
                nodes[node].rejections[reason.label, default: 0] += 1
            case .answerCompleted:
                continue
            case let .memberChanged(member, _):
                trace(5, node, indexByID[member.id] ?? nodes.count, UInt64(member.state.rawValue))
                traceNote("node \(node) sees node \(indexByID[member.id] ?? -1) \(member.state)")
            case let .introduce(stranger, _):
                guard let other = indexByID[stranger] else { continue }
                traceNote("node \(node) introduces itself to node \(other)")
                if let problem = introduce(node, to: other) { return problem }
            }
        }
        return nil
    }

    // MARK: Sending

    /// Sends the core's frame as the node does (`Node.sendSealed`): a liar's lies instead of it.
    mutating func sendSealed(_ frame: OutboundFrame, from: Int, to: Int) -> String? {
        if nodes[from].liar != nil { return lie(frame, from: from, to: to) }
        return transmit(frame, from: from, to: to)
    }

    /// Seals and sends a frame on the channel the core chose (a liar's lies, framed by its own
    /// core, come through here too). Stream frames are neither lost nor duplicated and keep
    /// their order to each peer (TCP); datagrams may be lost, duplicated and reordered.
    mutating func transmit(_ frame: OutboundFrame, from: Int, to: Int) -> String? {
        let kind = frame.header.kind
        let channel = frame.header.channel
        let envelope: [UInt8]
        do {
            envelope = try Envelope.seal(
                header: frame.header, body: frame.body,
                signer: SimulatedAuthenticator(sender: nodes[from].id, knownSenders: []),
                maxBytes: options.gossip.limits.maxFrameBytes)
        } catch {
            return "a \(kind) message could not be sealed: \(error)"
        }
        let wireBytes = envelope.count + SimulatedAuthenticator.sealOverhead
        if frame.isDatagram, wireBytes > options.gossip.limits.maxDatagramBytes {
            return "the core chose a datagram for a \(kind) envelope of \(wireBytes) bytes sealed"
        }
        nodes[from].liar?.remember(ByzantinePeer.SentEnvelope(to: to, channel: channel, envelope: envelope))
        messagesSent += 1
        sentByKind["\(nodes[from].isHonest ? "honest" : "liar") \(kind)", default: 0] += 1
        if kind.isMembership { membershipMessagesSent += 1 }
        bytesSent += wireBytes
        if !frame.isDatagram {
            guard network.allows(from: from, to: to) else { return nil }
            let delay = network.delay(
                min: options.minimumDelayMilliseconds, max: options.maximumDelayMilliseconds)
            let time = network.streamDeliveryTime(from: from, to: to, notBefore: now + delay)
            schedule(
                .deliver(
                    from: from, to: to, generation: nodes[to].generation, envelope: envelope, channel: channel
                ), at: time)
            return nil
        }
        let copies = network.copies(
            from: from, to: to,
            loss: faultsActive ? options.lossProbability : options.settleLossProbability,
            duplication: faultsActive ? options.duplicationProbability : options.settleDuplicationProbability)
        for _ in 0..<copies {
            let delay = network.delay(
                min: options.minimumDelayMilliseconds, max: options.maximumDelayMilliseconds)
            schedule(
                .deliver(
                    from: from, to: to, generation: nodes[to].generation, envelope: envelope, channel: channel
                ),
                at: now + delay)
        }
        return nil
    }
}
