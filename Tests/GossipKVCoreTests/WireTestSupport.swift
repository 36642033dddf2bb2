import GossipKVCore
import PropertyBased

/// A keyed checksum standing in for Ed25519 in wire tests: 16 bytes of SipHash under the key,
/// so any change to the covered bytes or the key fails verification.
struct TestSigner: MessageSigner {
    var key: UInt64
    var authenticatorLength: Int { 16 }

    func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        Self.tag(bytes[...], key: key)
    }

    static func tag(_ bytes: ArraySlice<UInt8>, key: UInt64) -> [UInt8] {
        var result = [UInt8]()
        for half: UInt64 in [1, 2] {
            var hasher = StableHasher(key0: key, key1: half)
            hasher.combine(Array(bytes))
            var word = hasher.finalize()
            for _ in 0..<8 {
                result.append(UInt8(truncatingIfNeeded: word >> 56))
                word <<= 8
            }
        }
        return result
    }
}

/// Knows the keys of some senders; everyone else is unknown.
struct TestVerifier: MessageVerifier {
    var keys: [NodeID: UInt64]

    func authenticatorLength(sender: NodeID) -> Int? { keys[sender] == nil ? nil : 16 }

    func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool {
        guard let key = keys[sender] else { return false }
        return authenticator.elementsEqual(TestSigner.tag(bytes, key: key))
    }
}

/// Fixed identities for envelope tests.
enum Fixture {
    static let cluster = NodeID(high: 0xC1, low: 0x05)
    static let alice = NodeID(high: 0xA11CE, low: 1)
    static let bob = NodeID(high: 0xB0B, low: 2)
    static let aliceKey: UInt64 = 0x5EC2E7
    static let verifier = TestVerifier(keys: [alice: aliceKey, bob: 0xB0B_B0B])

    static func header(
        kind: MessageKind = .syncSummary, sender: NodeID = alice, recipient: NodeID = bob,
        bootEpoch: UInt64 = 1_000, channel: WireChannel = .gossipDatagram, sequence: UInt64 = 1
    ) -> EnvelopeHeader {
        EnvelopeHeader(
            kind: kind, cluster: cluster, sender: sender, recipient: recipient,
            bootEpoch: HLCTimestamp(rawValue: bootEpoch), channel: channel, sequence: sequence,
            hlc: HLCTimestamp(physical: 1_700_000_000_000, logical: 3))
    }

    static func opener(limits: Limits = .standard) -> EnvelopeOpener {
        EnvelopeOpener(cluster: cluster, localNode: bob, limits: limits)
    }

    static let summary = GossipMessage.syncSummary(SyncSummary(digestHash: 7, stateHash: 9))

    static func sealed(
        _ message: GossipMessage = summary, header: EnvelopeHeader = header(), key: UInt64 = aliceKey
    ) throws -> [UInt8] {
        try Envelope.seal(header: header, message: message, signer: TestSigner(key: key))
    }

    /// One message of every kind, with a bit of everything: tombstones, expiries, binary keys.
    static let everyKind: [GossipMessage] = {
        let origin = NodeID(high: 3, low: 4)
        let entries = [
            Entry(
                key: [0, 255, 10], value: [1, 2, 3], timestamp: HLCTimestamp(rawValue: 99), origin: origin),
            Entry(key: [], value: nil, timestamp: HLCTimestamp(rawValue: 100), origin: alice),
            Entry(
                key: Array("k".utf8), value: [], timestamp: .max, origin: .zero,
                expiry: HLCTimestamp(rawValue: 5)),
        ]
        let digest = Digest([origin: HLCTimestamp(rawValue: 42), alice: HLCTimestamp(rawValue: 7)])
        return [
            .syncRequest(SyncRequest(syncID: 1, digest: digest, stateHash: 0xFEED)),
            .syncRequest(SyncRequest(syncID: 0, digest: Digest(), stateHash: 0)),
            summary,
            .syncAnswer(
                SyncAnswer(syncID: 2, index: 0, count: 3, phase: .answer, digest: digest, entries: entries)),
            .syncAnswer(
                SyncAnswer(
                    syncID: 2, index: 2, count: 3, phase: .buckets,
                    requestedBuckets: BucketSet([0, 63, 64, 200, 255]),
                    entries: [])),
            .bucketHashes(BucketHashes(syncID: 3, hashes: (0..<256).map { UInt32($0) &* 2_654_435_761 })),
            .push(
                Push(
                    hops: 1,
                    items: entries.map { Push.Item(entry: $0, previousTimestamp: HLCTimestamp(rawValue: 1)) })
            ),
            .push(Push(hops: 0, items: [Push.Item(entry: entries[1], previousTimestamp: nil)])),
            .reconcile(Reconcile(syncID: 4, digest: digest, hashes: (0..<256).map { UInt32($0) &* 40_503 })),
            .reconcile(Reconcile(syncID: 0, digest: Digest(), hashes: Array(repeating: 0, count: 256))),
        ]
    }()
}

/// Random wire values. Node ids come from a small pool so digests and entries share origins.
enum WireGen {
    static var bytes: Generator<[UInt8], some SendableSequenceType> {
        Gen.uint8().array(of: 0...12)
    }
    static var nodeID: Generator<NodeID, some SendableSequenceType> {
        zip(Gen.uint64(in: 0...3), Gen.uint64(in: 0...3)).map { NodeID(high: $0.0, low: $0.1) }
    }
    static var timestamp: Generator<HLCTimestamp, some SendableSequenceType> {
        Gen.uint64().map { HLCTimestamp(rawValue: $0) }
    }

    static var entry: Generator<Entry, some SendableSequenceType> {
        zip(bytes, bytes.optional(valueRate: 0.7), timestamp, nodeID, timestamp.optional(valueRate: 0.3)).map
        { Entry(key: $0.0, value: $0.1, timestamp: $0.2, origin: $0.3, expiry: $0.4) }
    }

    static var digest: Generator<Digest, some SendableSequenceType> {
        zip(nodeID, timestamp).array(of: 0...6).map { pairs in
            var digest = Digest()
            for (origin, watermark) in pairs { digest.raise(origin, to: watermark) }
            return digest
        }
    }

    static var buckets: Generator<BucketSet, some SendableSequenceType> {
        zip(Gen.uint64(), Gen.uint64(), Gen.uint64(), Gen.uint64()).map { BucketSet(words: $0) }
    }

    static var syncRequest: Generator<GossipMessage, some SendableSequenceType> {
        zip(Gen.uint64(), digest, Gen.uint64()).map {
            .syncRequest(SyncRequest(syncID: $0.0, digest: $0.1, stateHash: $0.2))
        }
    }

    static var syncSummary: Generator<GossipMessage, some SendableSequenceType> {
        zip(Gen.uint64(), Gen.uint64()).map { .syncSummary(SyncSummary(digestHash: $0.0, stateHash: $0.1)) }
    }

    static var phase: Generator<SyncAnswer.Phase, some SendableSequenceType> {
        Gen.uint8(in: 1...3).map { SyncAnswer.Phase(rawValue: $0) ?? .answer }
    }

    static var syncAnswer: Generator<GossipMessage, some SendableSequenceType> {
        zip(
            Gen.uint64(), Gen.uint32(in: 1...65_536), Gen.uint32(), phase, digest.optional, buckets.optional,
            entry.array(of: 0...5)
        ).map { value in
            let count = value.1
            return .syncAnswer(
                SyncAnswer(
                    syncID: value.0, index: value.2 % count, count: count, phase: value.3, digest: value.4,
                    requestedBuckets: value.5, entries: value.6))
        }
    }

    static var bucketHashes: Generator<GossipMessage, some SendableSequenceType> {
        zip(Gen.uint64(), Gen.uint32().array(of: 256)).map {
            .bucketHashes(BucketHashes(syncID: $0.0, hashes: $0.1))
        }
    }

    static var push: Generator<GossipMessage, some SendableSequenceType> {
        zip(Gen.uint8(in: 0...1), zip(entry, timestamp.optional).array(of: 0...5)).map { value in
            .push(Push(hops: value.0, items: value.1.map { Push.Item(entry: $0.0, previousTimestamp: $0.1) }))
        }
    }

    static var reconcile: Generator<GossipMessage, some SendableSequenceType> {
        zip(Gen.uint64(), digest, Gen.uint32().array(of: 256)).map {
            .reconcile(Reconcile(syncID: $0.0, digest: $0.1, hashes: $0.2))
        }
    }

    static var message: Generator<GossipMessage, some SendableSequenceType> {
        Gen.oneOf(syncRequest, syncSummary, syncAnswer, bucketHashes, push, reconcile)
    }
}

extension Result {
    /// The failure, or nil on success: lets tests write `#expect(result.failure == .badSignature)`.
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
