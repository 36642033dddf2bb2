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
