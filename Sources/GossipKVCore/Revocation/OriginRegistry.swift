/// The data epochs this node has seen each node write under (from their signed announcements
/// and from revocation notices), so that an entry's origin, a hash of (node, epoch), can be
/// traced back to its node when that node is revoked (`Replica.bar`).
///
/// Bounded: at most `maxEpochsPerNode` epochs per node (the most recent ones; a node takes a new
/// epoch only after a possible loss of data) and `maxNodes` nodes (the one heard from least
/// recently is forgotten first). Kept in memory: a node that restarts learns the epochs again
/// from the next announcements (every 30 s) and from revocation notices, which carry the epochs
/// of revoked nodes; the shell persists those with the revocation.
///
/// The limit of the scheme: an origin whose epoch no running node ever saw announced (a revoked
/// node that wrote under a new epoch only to a colluder, which relays without announcing it) is
/// not attributed, and its entries are kept like any honest origin's.
public struct OriginRegistry: Sendable {
    public static let defaultMaxEpochsPerNode = 16
    public static let defaultMaxNodes = 4_096

    public let maxEpochsPerNode: Int
    public let maxNodes: Int
    private var epochsByNode: [NodeID: [UInt64]] = [:]
    /// When each node was last recorded (a counter, not a clock), for eviction.
    private var lastRecorded: [NodeID: UInt64] = [:]
    private var counter: UInt64 = 0

    public init(maxEpochsPerNode: Int = defaultMaxEpochsPerNode, maxNodes: Int = defaultMaxNodes) {
        self.maxEpochsPerNode = max(1, maxEpochsPerNode)
        self.maxNodes = max(1, maxNodes)
    }

    public var nodeCount: Int { epochsByNode.count }

    /// Records that `claim.node` writes under `claim.epoch`; returns whether the pair is new.
    @discardableResult
    public mutating func record(_ claim: OriginClaim) -> Bool {
        counter += 1
        lastRecorded[claim.node] = counter
        var epochs = epochsByNode[claim.node] ?? []
        if let index = epochs.firstIndex(of: claim.epoch) {
            // Most recent last: a node that announces an epoch again keeps it.
            epochs.remove(at: index)
            epochs.append(claim.epoch)
            epochsByNode[claim.node] = epochs
            return false
        }
        if epochsByNode[claim.node] == nil, epochsByNode.count >= maxNodes { evictStalest() }
        epochs.append(claim.epoch)
        if epochs.count > maxEpochsPerNode { epochs.removeFirst(epochs.count - maxEpochsPerNode) }
        epochsByNode[claim.node] = epochs
        return true
    }

    /// The epochs recorded for `node`, sorted.
    public func epochs(of node: NodeID) -> [UInt64] { (epochsByNode[node] ?? []).sorted() }

    /// Every origin `node` is known to write as: its epoch-0 origin (the node id itself, for data
    /// written before epochs existed) and one per recorded epoch, sorted.
    public func origins(of node: NodeID) -> [NodeID] {
        Array(Set([node] + epochs(of: node).map { NodeID.origin(node: node, epoch: $0) })).sorted()
    }

    private mutating func evictStalest() {
        guard let stalest = lastRecorded.min(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key else {
            return
        }
        epochsByNode[stalest] = nil
        lastRecorded[stalest] = nil
    }
}
