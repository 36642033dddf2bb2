/// Eager pushes: fresh writes down the push tree, relays, duplicates, links
/// (`GossipEngine+Transfers.swift`, `PendingLinks`).
extension GossipEngine {
    /// Applies a push's new writes, links each write to the origin's previous one (a duplicate
    /// too: the first copy may have come in an answer, or its link may not have been kept, and
    /// its link may be what fills a gap), and queues a writer's push for relay down its tree.
    mutating func receivePush(_ push: Push, from sender: NodeID, now: UInt64) -> [GossipDirective] {
        rounds.lastPushWith[sender] = now
        rounds.lastPushAt = now
        var directives: [GossipDirective] = []
        var relay: [Push.Item] = []
        for item in push.items {
            let id = WriteID(origin: item.entry.origin, timestamp: item.entry.timestamp)
            if !pushQueue.hasSeen(id) {
                switch replica.applyRemote(
                    item.entry, physical: now,
                    collectedAfterMilliseconds: config.tombstoneGracePeriodMilliseconds)
                {
                case let .failure(reason):
                    directives.append(.rejected(.entry(reason), from: sender))
                    continue
                case let .success(outcome):
                    remember(id)
                    if outcome != .unchanged {
                        lastChangeAt = now
                        directives.append(.applied(item.entry))
                    }
                    if push.hops == 0 { relay.append(item) }
                }
            }
            if let previous = item.previousTimestamp {
                replica.link(origin: id.origin, previous: previous, to: id.timestamp)
            }
        }
        noteGap(now: now)
        if !relay.isEmpty {
            pushQueue.enqueueRelay(relay, root: sender, windowCloses: now + config.pushWindowMilliseconds)
        }
        return directives
    }

    mutating func remember(_ id: WriteID) {
        pushQueue.remember(id, memory: config.duplicateMemory)
    }

    /// Sends our writes down our push tree (hops 0) and relays down the writers' trees (hops 1,
    /// not relayed again; `GossipEngine+Transfers.swift`).
    mutating func flushPushes(now: UInt64) -> [GossipDirective] {
        let groups = pushQueue.drain(local: replica.id)
        var directives: [GossipDirective] = []
        let datagramBudget = config.pushBudgetBytes - WireSize.pushOverhead
        for group in groups {
            let targets = pushTargets(root: group.root)
            for peer in targets { rounds.lastPushWith[peer] = now }
            if !targets.isEmpty { rounds.lastPushAt = now }
            // More than a datagram holds: stream-sized pushes (`pushStreamBudgetBytes`), which
            // the framing sends on the stream, one signature per frame instead of per datagram.
            var groupBytes = 0
            for item in group.items where groupBytes <= datagramBudget {
                groupBytes += WireSize.encodedSize(of: item)
            }
            let budget =
                groupBytes <= datagramBudget
                ? datagramBudget : max(datagramBudget, config.pushStreamBudgetBytes - WireSize.pushOverhead)
            for batch in Self.batches(of: group.items, budget: budget, size: WireSize.encodedSize(of:)) {
                for peer in targets {
                    directives.append(.send(.push(Push(hops: group.hops, items: batch)), to: peer))
                }
            }
        }
        return directives
    }
}
