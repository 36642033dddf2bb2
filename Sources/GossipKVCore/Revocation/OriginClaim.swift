/// "Origin `origin` is node `node` writing in data epoch `epoch`": the pair that ties an entry's
/// origin (`NodeID.origin(node:epoch:)`) back to the node that wrote it.
///
/// A claim is self-verifying: anyone recomputes the origin from the pair, so claims may travel
/// through any node (announcements, revocation notices) without a signature. It cannot be
/// forged onto another node's origin either: there are 2^64 epochs and 2^128 origins, so no
/// epoch of node R is expected to hash to an origin of another node, and finding one would take
/// far beyond 2^64 tries of the stable hash.
public struct OriginClaim: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let encodedLength = NodeID.byteCount + 8

    public var node: NodeID
    public var epoch: UInt64

    public init(node: NodeID, epoch: UInt64) {
        self.node = node
        self.epoch = epoch
    }

    /// The origin this pair writes as.
    public var origin: NodeID { NodeID.origin(node: node, epoch: epoch) }

    public static func < (lhs: OriginClaim, rhs: OriginClaim) -> Bool {
        (lhs.node, lhs.epoch) < (rhs.node, rhs.epoch)
    }

    public var description: String { "\(node)@\(epoch)" }
}
