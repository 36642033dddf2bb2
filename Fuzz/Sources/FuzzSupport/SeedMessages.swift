import GossipKVCore

/// Small, varied messages for the seed corpora: every kind, tombstones, expiries, binary and
/// empty keys, digests, bucket sets, first and later chunks.
public enum SeedMessages {
    static let origins = [NodeID(high: 1, low: 1), FuzzIdentity.sender, NodeID(high: .max, low: 0)]

    static let entries: [Entry] = [
        Entry(
            key: Array("a".utf8), value: Array("5".utf8),
            timestamp: HLCTimestamp(physical: 1_700_000_000_000), origin: origins[0]),
        Entry(
            key: [0, 0xFF, 0x7F], value: nil,
            timestamp: HLCTimestamp(physical: 1_700_000_000_001, logical: 2), origin: origins[1]),
        Entry(
            key: Array("session:42".utf8), value: [], timestamp: HLCTimestamp(physical: 1_700_000_000_002),
            origin: origins[2], expiry: HLCTimestamp(physical: 1_700_000_060_000)),
        Entry(key: [], value: Array(repeating: 0xAB, count: 12), timestamp: .max, origin: .zero),
    ]

    static let digest = Digest([
        origins[0]: HLCTimestamp(physical: 1_700_000_000_000),
        origins[1]: HLCTimestamp(physical: 1_700_000_000_001, logical: 2),
    ])

    /// Named messages; names become file names.
    public static let all: [(name: String, message: GossipMessage)] = [
        ("sync-request", .syncRequest(SyncRequest(syncID: 1, digest: digest, stateHash: 0xDEAD_BEEF))),
        ("sync-request-empty", .syncRequest(SyncRequest(syncID: 2, digest: Digest(), stateHash: 0))),
        ("sync-summary", .syncSummary(SyncSummary(digestHash: digest.stableHash, stateHash: 77))),
        (
            "sync-answer-first",
            .syncAnswer(
                SyncAnswer(syncID: 3, index: 0, count: 2, phase: .answer, digest: digest, entries: entries))
        ),
        (
            "sync-answer-last",
            .syncAnswer(SyncAnswer(syncID: 3, index: 1, count: 2, phase: .answerBack, entries: [entries[1]]))
        ),
        (
            "sync-answer-buckets",
            .syncAnswer(
                SyncAnswer(
                    syncID: 4, index: 0, count: 1, phase: .buckets,
                    requestedBuckets: BucketSet([0, 17, 64, 255]),
                    entries: [entries[2]]))
        ),
        (
            "bucket-hashes",
            .bucketHashes(BucketHashes(syncID: 5, hashes: (0..<256).map { UInt32($0) &* 0x9E37_79B9 }))
        ),
        (
            "push-fresh",
            .push(
                Push(
                    hops: 0,
                    items: entries.prefix(2).map {
                        Push.Item(entry: $0, previousTimestamp: HLCTimestamp(physical: 1_699_999_999_999))
                    }))
        ),
        ("push-relayed", .push(Push(hops: 1, items: [Push.Item(entry: entries[2], previousTimestamp: nil)]))),
        ("push-empty", .push(Push(hops: 0, items: []))),
        (
            "reconcile",
            .reconcile(
                Reconcile(syncID: 6, digest: digest, hashes: (0..<256).map { UInt32($0) &* 0x0100_0193 }))
        ),
        (
            "reconcile-empty-digest",
            .reconcile(Reconcile(syncID: 7, digest: Digest(), hashes: Array(repeating: 0, count: 256)))
        ),
    ]

    static let addresses = [
        MemberAddress(host: .ipv4(0x7F00_0001), gossipPort: 7101, clientPort: 7001),
        MemberAddress(host: .ipv6(high: 0xFE80_0000_0000_0000, low: 0x1), gossipPort: 7377, clientPort: 7379),
    ]

    static let updates = [
        MemberUpdate(
            id: origins[0], address: addresses[0], incarnation: 1_700_000_000_000 << 16, state: .alive),
        MemberUpdate(id: origins[1], address: addresses[1], incarnation: 7, state: .suspect),
        MemberUpdate(id: origins[2], address: addresses[0], incarnation: .max, state: .dead),
        MemberUpdate(id: .zero, address: addresses[1], incarnation: 0, state: .left),
    ]

    /// Named membership messages: every kind, both address families, every state.
    public static let membership: [(name: String, message: SWIMMessage)] = [
        (
            "swim-ping",
            .ping(
                sequence: 1, updates: updates,
                summary: SyncSummary(digestHash: digest.stableHash, stateHash: 77))
        ),
        ("swim-ping-bare", .ping(sequence: 2, updates: [], summary: nil)),
        (
            "swim-ack",
            .ack(sequence: 1, updates: [updates[1]], summary: SyncSummary(digestHash: 1, stateHash: 2))
        ),
        (
            "swim-ping-request",
            .pingRequest(sequence: .max, target: origins[2], updates: Array(updates.prefix(2)))
        ),
        ("swim-nack", .nack(sequence: 3)),
    ]
}
