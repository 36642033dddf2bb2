import GossipKVCore

/// Watermarks logged but not yet known fsynced, oldest first, each with the log position that
/// makes it durable (`GossipEngine.advertisedDigest`: only durable watermarks are claimed to
/// peers).
///
/// A list, not the last one: under a steady stream of messages a newer digest is logged before
/// each batch fsync completes, and keeping only the newest meant that no pending digest was ever
/// covered, so the advertised digest stood still for a whole burst and peers kept answering with
/// entries this node held (found by cluster-bench's burst phase at N = 10).
struct PendingDurableDigests {
    private(set) var pending: [(digest: Digest, position: UInt64)] = []
    /// Digests kept at most; past it the newest replaces the one before it (older ones are
    /// covered first, so they stay).
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = max(capacity, 2) }

    var isEmpty: Bool { pending.isEmpty }

    /// `digest` is logged up to `position` (positions only grow).
    mutating func logged(_ digest: Digest, at position: UInt64) {
        pending.append((digest, position))
        if pending.count > capacity { pending.remove(at: pending.count - 2) }
    }

    /// The newest digest an fsync up to `durablePosition` covers, forgetting it and older ones.
    mutating func covered(upTo durablePosition: UInt64) -> Digest? {
        guard let index = pending.lastIndex(where: { $0.position <= durablePosition }) else { return nil }
        let digest = pending[index].digest
        pending.removeFirst(index + 1)
        return digest
    }
}
