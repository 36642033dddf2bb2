/// The digest a node advertises (`GossipEngine.advertisedDigest`: the replica's watermarks capped
/// by the durable ones) and its `stableHash`, kept between changes.
///
/// Every SWIM probe and ack asks for the summary, and building it meant a capped copy of the
/// digest, a sort and a SipHash each time. The engine marks this stale on every change to its
/// replica or durable mark and refreshes it when it is read or at the next tick
/// (`GossipEngine.refreshAdvertised`); the refresh compares the inputs with the ones it was built
/// from, which costs next to nothing while they are unchanged: the cache holds copies of them,
/// and Swift compares two copies of one dictionary storage by identity, without visiting entries.
struct AdvertisedDigest: Sendable {
    /// The replica digest and durable mark it was built from.
    private(set) var source: Digest
    private(set) var durable: Digest?
    private(set) var digest: Digest
    private(set) var hash: UInt64

    init(digest: Digest, durable: Digest?) {
        source = digest
        self.durable = durable
        self.digest = durable.map { digest.capped(by: $0) } ?? digest
        hash = self.digest.stableHash
    }

    /// Rebuilds when `digest` or `durable` differ from what it was built from.
    mutating func refresh(digest newDigest: Digest, durable newDurable: Digest?) {
        guard newDigest != source || newDurable != durable else { return }
        if let newDurable, newDurable == durable, capsTo(digest, newDigest, by: newDurable) {
            // A write above the durable mark (every local write between two fsyncs) leaves
            // the advertised digest as it was: no copy, sort and hash per write.
            source = newDigest
            return
        }
        self = AdvertisedDigest(digest: newDigest, durable: newDurable)
    }

    /// Whether `digest` capped by `durable` is `capped`, without building the capped copy.
    private func capsTo(_ capped: Digest, _ digest: Digest, by durable: Digest) -> Bool {
        var nonzero = 0
        for (origin, watermark) in digest.watermarks {
            let mark = Swift.min(watermark, durable[origin])
            guard mark == capped[origin] else { return false }
            if mark != .zero { nonzero += 1 }
        }
        return nonzero == capped.count
    }
}
