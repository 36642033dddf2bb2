/// Exact encoded sizes, so the engine can cut sync answers and pushes by bytes (a datagram holds
/// 1,400 bytes, a chunk 1 MiB) without encoding first. Tests check each against the encoder.
public enum WireSize {
    /// Bytes of `entry` inside a body.
    public static func encodedSize(of entry: Entry) -> Int {
        4 + entry.key.count + 1 + (entry.value.map { 4 + $0.count } ?? 0) + 8 + NodeID.byteCount + 1
            + (entry.expiry == nil ? 0 : 8)
    }

    /// Bytes of a push item: its entry and the optional previous timestamp.
    public static func encodedSize(of item: Push.Item) -> Int {
        encodedSize(of: item.entry) + 1 + (item.previousTimestamp == nil ? 0 : 8)
    }

    /// Bytes of a digest: count and sorted pairs.
    public static func encodedSize(of digest: Digest) -> Int {
        4 + digest.count * ByteReader.digestPairSize
    }

    /// Bytes of a sync answer's body without its entries (add `encodedSize(of:)` per entry).
    public static func syncAnswerOverhead(digest: Digest?, requestedBuckets: BucketSet?) -> Int {
        8 + 4 + 4 + 1 + 1 + (digest.map(encodedSize(of:)) ?? 0) + 1 + (requestedBuckets == nil ? 0 : 32) + 4
    }

    /// Bytes of a push body without its items (add `encodedSize(of:)` per item).
    public static let pushOverhead = 1 + 4

    /// Bytes an envelope adds around its body: the header and the authenticator.
    public static func envelopeOverhead(authenticatorLength: Int) -> Int {
        EnvelopeHeader.encodedLength + authenticatorLength
    }
}

extension GossipMessage {
    /// The exact size of `encodedBody()`.
    public var encodedBodySize: Int {
        switch self {
        case let .syncRequest(request): return 8 + WireSize.encodedSize(of: request.digest) + 8
        case .syncSummary: return 16
        case let .syncAnswer(answer):
            return answer.entries.reduce(
                WireSize.syncAnswerOverhead(digest: answer.digest, requestedBuckets: answer.requestedBuckets)
            ) { $0 + WireSize.encodedSize(of: $1) }
        case .bucketHashes: return 8 + BucketSet.bucketCount * 4
        case let .reconcile(reconcile):
            return 8 + WireSize.encodedSize(of: reconcile.digest) + BucketSet.bucketCount * 4
        case let .push(push):
            return push.items.reduce(WireSize.pushOverhead) { $0 + WireSize.encodedSize(of: $1) }
        }
    }
}
