import GossipKVCore

extension Node {
    /// How long a node that looks for peers waits for one before it reports ready anyway.
    public static let readinessGraceMilliseconds: UInt64 = 5_000

    /// The node's liveness and readiness now (see `NodeHealth`).
    public func health() -> NodeHealth {
        if isShuttingDown || socketsClosed { return .stopping }
        guard let since = servingSince else { return .starting }
        let others = core.members.filter { $0.id != id && $0.state == .alive }.count
        let looksForPeers = !seedTargets.isEmpty || multicast != nil
        let now = WallClock.nowMilliseconds()
        let waited = now > since ? now - since : 0
        if !looksForPeers {
            return NodeHealth(
                isServing: true, isReady: true, detail: "ready: serving alone (no seeds, no multicast)")
        }
        if others > 0 {
            return NodeHealth(
                isServing: true, isReady: true, detail: "ready: \(others) other member(s) alive")
        }
        if waited >= Self.readinessGraceMilliseconds {
            return NodeHealth(
                isServing: true, isReady: true,
                detail:
                    "ready: no other member alive after \(Self.readinessGraceMilliseconds / 1_000) s; serving alone"
            )
        }
        return NodeHealth(
            isServing: true, isReady: false,
            detail: "waiting for another member (\(waited) of \(Self.readinessGraceMilliseconds) ms)")
    }
}

extension Node {
    /// Records the gauges that describe the node's state as of now (members by state, keys,
    /// clock). Membership changes do not all pass one place where a gauge could follow them, so
    /// the metrics endpoint calls this before every scrape instead.
    public func recordGauges() {
        let members = core.members
        for state in Member.State.allCases {
            metrics.members(state: "\(state)", count: members.filter { $0.state == state }.count)
        }
        metrics.keys.record(engine.replica.map.count)
        metrics.hlcPhysicalMilliseconds.record(Int64(engine.replica.clock.last.physical))
        recordStorageMetrics()
    }
}
