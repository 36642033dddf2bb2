/// Every message of the anti-entropy protocol (DESIGN, "Anti-entropy"). The wire codec
/// (`Wire/`) puts each inside the signed envelope; membership messages (`SWIMMessage`) have
/// their own kinds, and discovery messages will too.
public enum GossipMessage: Equatable, Sendable {
    /// "Here is my digest and state hash; send me what I lack." Opens a round.
    case syncRequest(SyncRequest)
    /// The small pair that fits anywhere (a probe, an ack, an idle round, an "in sync" reply);
    /// a mismatch starts a round.
    case syncSummary(SyncSummary)
    /// One chunk of a sync answer.
    case syncAnswer(SyncAnswer)
    /// Digests are equal but state hashes are not: the per-bucket hashes, to find which differ.
    case bucketHashes(BucketHashes)
    /// Fresh writes pushed eagerly.
    case push(Push)
    /// "We have not reconciled since one of us may have collected garbage the other never saw":
    /// digest and bucket hashes, before any entry goes either way (`GossipEngine+Reconcile.swift`).
    case reconcile(Reconcile)

    /// The kind byte on the wire. Stable: never renumber.
    public var kind: MessageKind {
        switch self {
        case .syncRequest: return .syncRequest
        case .syncSummary: return .syncSummary
        case .syncAnswer: return .syncAnswer
        case .bucketHashes: return .bucketHashes
        case .push: return .push
        case .reconcile: return .reconcile
        }
    }
}

/// Message kinds as numbered on the wire. Anti-entropy kinds (`GossipMessage`) are 1-6,
/// membership kinds (`SWIMMessage`) 10-13, discovery (`Announcement`) 20 and revocation notices
/// (`RevocationNotice`) 21; each family has its own body codec, and the receiver picks it by
/// `isMembership` / `isDiscovery` / `isRevocation`.
public enum MessageKind: UInt8, Sendable, CaseIterable {
    case syncRequest = 1
    case syncSummary = 2
    case syncAnswer = 3
    case bucketHashes = 4
    case push = 5
    case ping = 10
    case ack = 11
    case pingRequest = 12
    case nack = 13
    case announcement = 20
    /// Declared last so that `allCases` keeps its older order (the fuzz corpus selects kinds by
    /// their index in it).
    case reconcile = 6
    /// Declared after `reconcile` for the same reason.
    case revocations = 21

    /// Whether the body is a `SWIMMessage` (decode with `SWIMMessage.decodeBody`) rather than a
    /// `GossipMessage`.
    public var isMembership: Bool {
        switch self {
        case .syncRequest, .syncSummary, .syncAnswer, .bucketHashes, .push, .reconcile, .announcement,
            .revocations:
            return false
        case .ping, .ack, .pingRequest, .nack: return true
        }
    }

    /// Whether the body is a `RevocationNotice` (decode with `RevocationNotice(decoding:)`).
    public var isRevocation: Bool { self == .revocations }

    /// Whether the body is an `Announcement` (first contact; its sender may still be unknown).
    public var isDiscovery: Bool { self == .announcement }
}

public struct SyncRequest: Equatable, Sendable {
    public var syncID: UInt64
    public var digest: Digest
    public var stateHash: UInt64

    public init(syncID: UInt64, digest: Digest, stateHash: UInt64) {
        self.syncID = syncID
        self.digest = digest
        self.stateHash = stateHash
    }
}

public struct SyncSummary: Equatable, Sendable {
    public var digestHash: UInt64
    public var stateHash: UInt64

    public init(digestHash: UInt64, stateHash: UInt64) {
        self.digestHash = digestHash
        self.stateHash = stateHash
    }
}

/// One chunk of an answer. Chunks of one answer share `syncID` and `count`; `index` runs from 0.
public struct SyncAnswer: Equatable, Sendable {
    public enum Phase: UInt8, Sendable {
        /// The answer to a request: the receiver answers back with what the answerer lacks
        /// (computed from the answerer's digest in chunk 0).
        case answer = 1
        /// The answer back: ends the round.
        case answerBack = 2
        /// Entries of the buckets whose hashes differ; no watermark moves. When chunk 0 carries
        /// `requestedBuckets`, the receiver sends back its own entries of those buckets.
        case buckets = 3
    }

    public var syncID: UInt64
    public var index: UInt32
    public var count: UInt32
    public var phase: Phase
    /// The sender's watermarks, in chunk 0 of `.answer` and `.answerBack` only: the receiver
    /// adopts them once every chunk arrived and none of their entries was rejected.
    public var digest: Digest?
    /// In chunk 0 of a `.buckets` answer that expects one back.
    public var requestedBuckets: BucketSet?
    public var entries: [Entry]

    public init(
        syncID: UInt64, index: UInt32, count: UInt32, phase: Phase, digest: Digest? = nil,
        requestedBuckets: BucketSet? = nil, entries: [Entry]
    ) {
        self.syncID = syncID
        self.index = index
        self.count = count
        self.phase = phase
        self.digest = digest
        self.requestedBuckets = requestedBuckets
        self.entries = entries
    }
}

public struct BucketHashes: Equatable, Sendable {
    public var syncID: UInt64
    /// The low 32 bits of each of the 256 bucket hashes (1 KiB, so it fits one datagram).
    public var hashes: [UInt32]

    public init(syncID: UInt64, hashes: [UInt32]) {
        self.syncID = syncID
        self.hashes = hashes
    }
}

/// Opens the reconcile step with a peer: the sender's digest and the low 32 bits of its 256
/// bucket hashes. The receiver answers with the entries of the buckets that differ (a `.buckets`
/// answer carrying its digest and asking for the sender's entries of those buckets); each side
/// then drops what the other's digest covers but the other did not send.
public struct Reconcile: Equatable, Sendable {
    public var syncID: UInt64
    public var digest: Digest
    public var hashes: [UInt32]

    public init(syncID: UInt64, digest: Digest, hashes: [UInt32]) {
        self.syncID = syncID
        self.digest = digest
        self.hashes = hashes
    }
}

/// Fresh writes. `hops` is 0 from the origin's node and 1 once relayed; relayed pushes are not
/// relayed again.
public struct Push: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var entry: Entry
        /// The origin's previous write (its own watermark before this write), when the origin
        /// knows it: a receiver whose watermark equals it may move the watermark to this entry.
        public var previousTimestamp: HLCTimestamp?

        public init(entry: Entry, previousTimestamp: HLCTimestamp?) {
            self.entry = entry
            self.previousTimestamp = previousTimestamp
        }
    }

    public var hops: UInt8
    public var items: [Item]

    public init(hops: UInt8, items: [Item]) {
        self.hops = hops
        self.items = items
    }
}
