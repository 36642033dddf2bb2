extension NodeID {
    /// The origin a node writes as during data epoch `epoch`: the id stamped on its entries and
    /// the key of its own watermark in every digest (DESIGN, "Data model and ordering": an
    /// origin that lost data restarts under a new data epoch and never repeats an earlier claim).
    ///
    /// Epoch 0 is the node id itself, so data written before epochs existed keeps its origin.
    /// Any other epoch derives a new 16-byte id with the fixed `StableHasher` (never Swift's
    /// per-process `Hasher`): two SipHash-2-4 runs under the stable key over a domain tag, the
    /// node id's 16 bytes and the epoch (8 bytes, little-endian), one for each half. Every node
    /// and every run computes the same origin for the same pair, forever: changing this function
    /// changes the origin of persisted data, like a wire-format change. A collision with another
    /// node's id or epoch needs a 128-bit coincidence.
    ///
    /// The node picks epochs at random (`Node`), so an epoch is never reused even by a node that
    /// forgot which ones it used (a wiped data directory).
    public static func origin(node: NodeID, epoch: UInt64) -> NodeID {
        guard epoch != 0 else { return node }
        func half(_ tag: [UInt8]) -> UInt64 {
            var hasher = StableHasher()
            hasher.combine(tag)
            hasher.combine(node.bytes)
            hasher.combine(epoch)
            return hasher.finalize()
        }
        return NodeID(high: half(Array("GossipKV origin H".utf8)), low: half(Array("GossipKV origin L".utf8)))
    }
}
