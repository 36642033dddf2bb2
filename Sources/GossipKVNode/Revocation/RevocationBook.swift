import GossipKVCore
import GossipKVCrypto

/// What this node knows about revocation: the cluster-signed revocation of each revoked node,
/// the data epochs each revoked node is known to have written under, and the epochs every other
/// node announced (`OriginRegistry`), kept in case it is revoked later.
///
/// What identifies the revoked party: its node id, which is the hash of its certificate's
/// public key (a certificate whose id is not the hash of its key is never admitted). So a
/// revocation voids the key: every certificate for it, however fresh, is refused, and a machine
/// that should come back needs a new key pair and certificate (`gossipkv cert issue`).
struct RevocationBook: Sendable {
    private(set) var records: [NodeID: NodeRevocation] = [:]
    /// Epochs known for each revoked node (persisted, and carried in every notice).
    private(set) var revokedEpochs: [NodeID: Set<UInt64>] = [:]
    /// Epochs announced by nodes not (yet) revoked.
    var registry = OriginRegistry()
    /// Members that joined or came back during the input being handled: each is sent everything
    /// once the input is done (`Node.sendOwedRevocations`).
    var owed: Set<NodeID> = []

    var isEmpty: Bool { records.isEmpty }
    var revokedNodes: [NodeID] { records.keys.sorted() }

    func isRevoked(_ node: NodeID) -> Bool { records[node] != nil }

    /// Adds a verified revocation; returns false when the node was revoked already. The epochs
    /// the registry holds for the node become its revoked epochs.
    mutating func add(_ revocation: NodeRevocation) -> Bool {
        guard records[revocation.nodeID] == nil else { return false }
        records[revocation.nodeID] = revocation
        revokedEpochs[revocation.nodeID, default: []].formUnion(registry.epochs(of: revocation.nodeID))
        return true
    }

    /// Records an epoch of a revoked node; returns whether it is new. Claims about nodes that are
    /// not revoked are not kept here (their announcements feed the registry).
    mutating func add(_ claim: OriginClaim) -> Bool {
        guard records[claim.node] != nil else { return false }
        return revokedEpochs[claim.node, default: []].insert(claim.epoch).inserted
    }

    /// Every origin `node` is known to write as: the node id itself (epoch 0) and one per known
    /// epoch, sorted.
    func origins(of node: NodeID) -> [NodeID] {
        let epochs = (revokedEpochs[node] ?? []).union(registry.epochs(of: node))
        return Set([node] + epochs.map { NodeID.origin(node: node, epoch: $0) }).sorted()
    }

    /// The claims to carry in notices and to persist, sorted.
    var claims: [OriginClaim] {
        revokedEpochs.flatMap { node, epochs in epochs.map { OriginClaim(node: node, epoch: $0) } }.sorted()
    }

    /// Everything, cut into notices (none when nothing is revoked).
    var notices: [RevocationNotice] {
        RevocationNotice.notices(records: revokedNodes.compactMap { records[$0]?.encoded }, claims: claims)
    }
}
