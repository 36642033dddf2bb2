/// What the `/health` and `/ready` probes report.
///
/// `isServing` (liveness, `/health`): the node has started serving and is not shutting down.
/// `isReady` (readiness, `/ready`): it serves, and it has had its chance to meet the cluster:
/// a node that discovers peers (seeds or multicast) is ready once it sees one other member
/// alive, or after `Node.readinessGraceMilliseconds` alone (a first node, or a partition: it
/// still takes writes, so keeping it out of a load balancer forever would be wrong). A node with
/// no way to find peers is ready as soon as it serves.
public struct NodeHealth: Sendable, Equatable {
    public var isServing: Bool
    public var isReady: Bool
    /// One line for a person reading the probe's body.
    public var detail: String

    public init(isServing: Bool, isReady: Bool, detail: String) {
        self.isServing = isServing
        self.isReady = isReady
        self.detail = detail
    }

    public static let starting = NodeHealth(isServing: false, isReady: false, detail: "starting")
    public static let stopping = NodeHealth(isServing: false, isReady: false, detail: "shutting down")
}

extension Node {
    /// How long a node that looks for peers waits for one before it reports ready anyway.
    public static let readinessGraceMilliseconds: UInt64 = 5_000

    /// The node's liveness and readiness now (see `NodeHealth`).
    public func health() -> NodeHealth {
        if isShuttingDown || socketsClosed { return .stopping }
        guard let since = servingSince else { return .starting }
        let others = membership.members.filter { $0.id != id && $0.state == .alive }.count
        let looksForPeers = !seeds.isEmpty || multicast != nil
        let now = WallClock.nowMilliseconds()
        let waited = now > since ? now - since : 0
        if !looksForPeers {
            return NodeHealth(isServing: true, isReady: true, detail: "ready: serving alone (no seeds, no multicast)")
        }
        if others > 0 {
            return NodeHealth(isServing: true, isReady: true, detail: "ready: \(others) other member(s) alive")
        }
        if waited >= Self.readinessGraceMilliseconds {
            return NodeHealth(
                isServing: true, isReady: true,
                detail: "ready: no other member alive after \(Self.readinessGraceMilliseconds / 1_000) s; serving alone")
        }
        return NodeHealth(
            isServing: true, isReady: false,
            detail: "waiting for another member (\(waited) of \(Self.readinessGraceMilliseconds) ms)")
    }
}
