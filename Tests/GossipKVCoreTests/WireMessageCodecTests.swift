import GossipKVCore
import PropertyBased
import Testing

@Suite("Message body codec")
struct WireMessageCodecTests {
    /// Encodes, checks the size helper, decodes and compares.
    static func assertRoundTrip(_ message: GossipMessage, limits: Limits = .standard) throws {
        let body = try message.encodedBody(limits: limits)
        #expect(body.count == message.encodedBodySize)
        #expect(try GossipMessage.decodeBody(kind: message.kind, body[...], limits: limits) == message)
    }

    @Test("a message of every kind round-trips", arguments: Fixture.everyKind)
    func fixedRoundTrip(message: GossipMessage) throws {
        try Self.assertRoundTrip(message)
    }

    @Test("random sync requests round-trip")
    func syncRequests() async {
        await propertyCheck(input: WireGen.syncRequest) { try Self.assertRoundTrip($0) }
    }

    @Test("random sync summaries round-trip")
    func syncSummaries() async {
        await propertyCheck(input: WireGen.syncSummary) { try Self.assertRoundTrip($0) }
    }

    @Test("random sync answers with tombstones, expiries and binary keys round-trip")
    func syncAnswers() async {
        await propertyCheck(count: 300, input: WireGen.syncAnswer) { try Self.assertRoundTrip($0) }
    }

    @Test("random bucket hashes round-trip")
    func bucketHashes() async {
        await propertyCheck(input: WireGen.bucketHashes) { try Self.assertRoundTrip($0) }
    }

    @Test("random reconcile openings round-trip")
    func reconciles() async { await propertyCheck(input: WireGen.reconcile) { try Self.assertRoundTrip($0) } }

    @Test("random pushes round-trip")
    func pushes() async {
        await propertyCheck(count: 300, input: WireGen.push) { try Self.assertRoundTrip($0) }
    }

    @Test("entry and item size helpers match the encoder")
    func sizes() async {
        await propertyCheck(input: WireGen.entry, WireGen.timestamp.optional) { entry, previous in
            var writer = ByteWriter()
            try writer.write(entry, limits: .standard)
            #expect(writer.count == WireSize.encodedSize(of: entry))
            let item = Push.Item(entry: entry, previousTimestamp: previous)
            var itemWriter = ByteWriter()
            try itemWriter.write(item, limits: .standard)
            #expect(itemWriter.count == WireSize.encodedSize(of: item))
        }
    }

    @Test("a body of every kind is rejected at every truncation point", arguments: Fixture.everyKind)
    func truncation(message: GossipMessage) throws {
        let body = try message.encodedBody()
        for cut in 0..<body.count {
            #expect(throws: WireError.self, "cut at \(cut) of \(body.count)") {
                try GossipMessage.decodeBody(kind: message.kind, body[..<cut], limits: .standard)
            }
        }
    }

    @Test("a byte after the body is rejected", arguments: Fixture.everyKind)
    func trailing(message: GossipMessage) throws {
        let body = try message.encodedBody() + [0]
        #expect(throws: WireError.trailingBytes(count: 1)) {
            try GossipMessage.decodeBody(kind: message.kind, body[...], limits: .standard)
        }
    }

    @Test("random bytes never trap, and whatever decodes re-encodes to the same bytes")
    func garbage() async {
        let kinds = Gen.element(of: MessageKind.allCases).map { $0 ?? .push }
        await propertyCheck(count: 2000, input: kinds, Gen.uint8().array(of: 0...300)) { kind, raw in
            if let message = try? GossipMessage.decodeBody(kind: kind, raw[...], limits: .standard) {
                let reencoded = try message.encodedBody()
                #expect(reencoded == raw)
            }
        }
    }

    @Test("mutated valid bodies never trap, and whatever decodes is canonical")
    func mutations() async {
        let bodies = Fixture.everyKind.compactMap { message in
            (try? message.encodedBody()).map { (message.kind, $0) }
        }
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0..<bodies.count), Gen.int(in: 0...10_000), Gen.uint8()
        ) {
            which, position, byte in
            let (kind, original) = bodies[which]
            var body = original
            body[position % body.count] = byte
            if let message = try? GossipMessage.decodeBody(kind: kind, body[...], limits: .standard) {
                let reencoded = try message.encodedBody()
                #expect(reencoded == body)
            }
        }
    }

    @Test("a key over the limit is refused by the encoder and the decoder")
    func keyLimit() throws {
        var limits = Limits()
        limits.maxKeyBytes = 4
        let message = GossipMessage.push(
            Push(
                hops: 0,
                items: [
                    Push.Item(
                        entry: Entry(key: [1, 2, 3, 4, 5], value: [1], timestamp: .max, origin: .zero),
                        previousTimestamp: nil)
                ]))
        #expect(throws: WireError.keyTooLarge(size: 5, limit: 4)) { try message.encodedBody(limits: limits) }
        let body = try message.encodedBody()
        #expect(throws: WireError.keyTooLarge(size: 5, limit: 4)) {
            try GossipMessage.decodeBody(kind: .push, body[...], limits: limits)
        }
    }

    @Test("a value over the limit is refused by the encoder and the decoder")
    func valueLimit() throws {
        var limits = Limits()
        limits.maxValueBytes = 2
        let entry = Entry(key: [1], value: [1, 2, 3], timestamp: .max, origin: .zero)
        let message = GossipMessage.syncAnswer(
            SyncAnswer(syncID: 1, index: 0, count: 1, phase: .answer, entries: [entry]))
        #expect(throws: WireError.valueTooLarge(size: 3, limit: 2)) {
            try message.encodedBody(limits: limits)
        }
        let body = try message.encodedBody()
        #expect(throws: WireError.valueTooLarge(size: 3, limit: 2)) {
            try GossipMessage.decodeBody(kind: .syncAnswer, body[...], limits: limits)
        }
    }

    @Test("more entries than the limit are refused")
    func entryLimit() throws {
        var limits = Limits()
        limits.maxEntriesPerMessage = 2
        let entry = Entry(key: [], value: nil, timestamp: .max, origin: .zero)
        let message = GossipMessage.push(
            Push(hops: 0, items: Array(repeating: Push.Item(entry: entry, previousTimestamp: nil), count: 3)))
        #expect(throws: WireError.tooManyEntries(count: 3, limit: 2)) {
            try message.encodedBody(limits: limits)
        }
        let body = try message.encodedBody()
        #expect(throws: WireError.tooManyEntries(count: 3, limit: 2)) {
            try GossipMessage.decodeBody(kind: .push, body[...], limits: limits)
        }
    }

    @Test("a claimed entry count the remaining bytes cannot hold is rejected")
    func entryCountBeyondInput() {
        var writer = ByteWriter()
        writer.write(UInt8(0))
        writer.write(UInt32(60_000))
        writer.write(contentsOf: [UInt8](repeating: 0, count: 15))
        #expect(throws: WireError.truncated(needed: 60_000 * ByteReader.minimumPushItemSize, remaining: 15)) {
            try GossipMessage.decodeBody(kind: .push, writer.bytes[...], limits: .standard)
        }
    }

    @Test("more digest origins than the limit are refused")
    func originLimit() throws {
        var limits = Limits()
        limits.maxDigestOrigins = 1
        let digest = Digest([
            NodeID(high: 0, low: 1): HLCTimestamp(rawValue: 1),
            NodeID(high: 0, low: 2): HLCTimestamp(rawValue: 1),
        ])
        let message = GossipMessage.syncRequest(SyncRequest(syncID: 1, digest: digest, stateHash: 0))
        #expect(throws: WireError.tooManyOrigins(count: 2, limit: 1)) {
            try message.encodedBody(limits: limits)
        }
        let body = try message.encodedBody()
        #expect(throws: WireError.tooManyOrigins(count: 2, limit: 1)) {
            try GossipMessage.decodeBody(kind: .syncRequest, body[...], limits: limits)
        }
    }

    /// A sync request body whose digest holds `pairs` exactly as given.
    static func requestBody(pairs: [(NodeID, UInt64)]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt64(1))
        writer.write(UInt32(pairs.count))
        for (origin, watermark) in pairs {
            writer.write(origin)
            writer.write(watermark)
        }
        writer.write(UInt64(0))
        return writer.bytes
    }

    @Test("a digest with unsorted, duplicate or zero entries is rejected, keeping the encoding canonical")
    func canonicalDigest() {
        let low = NodeID(high: 0, low: 1)
        let high = NodeID(high: 0, low: 2)
        let invalid: [[(NodeID, UInt64)]] = [[(high, 1), (low, 1)], [(low, 1), (low, 2)], [(low, 0)]]
        for pairs in invalid {
            #expect(throws: WireError.self) {
                try GossipMessage.decodeBody(
                    kind: .syncRequest, Self.requestBody(pairs: pairs)[...], limits: .standard)
            }
        }
        #expect(throws: Never.self) {
            try GossipMessage.decodeBody(
                kind: .syncRequest, Self.requestBody(pairs: [(low, 1), (high, 1)])[...], limits: .standard)
        }
    }

    /// A sync answer body with the given chunk fields and phase, otherwise empty.
    static func answerBody(index: UInt32, count: UInt32, phase: UInt8 = 1) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt64(1))
        writer.write(index)
        writer.write(count)
        writer.write(phase)
        writer.write(false)
        writer.write(false)
        writer.write(UInt32(0))
        return writer.bytes
    }

    @Test("a sync answer's chunk index must be below a count between 1 and the limit")
    func chunkFields() {
        let decode = { (bytes: [UInt8]) throws(WireError) in
            _ = try GossipMessage.decodeBody(kind: .syncAnswer, bytes[...], limits: .standard)
        }
        #expect(throws: Never.self) { try decode(Self.answerBody(index: 0, count: 1)) }
        #expect(throws: WireError.invalidField("syncAnswer.count (zero)")) {
            try decode(Self.answerBody(index: 0, count: 0))
        }
        #expect(throws: WireError.invalidField("syncAnswer.index (not below count)")) {
            try decode(Self.answerBody(index: 3, count: 3))
        }
        #expect(throws: WireError.tooManyChunks(count: 65_537, limit: 65_536)) {
            try decode(Self.answerBody(index: 0, count: 65_537))
        }
        #expect(throws: WireError.invalidField("syncAnswer.phase")) {
            try decode(Self.answerBody(index: 0, count: 1, phase: 9))
        }
        let bad = GossipMessage.syncAnswer(
            SyncAnswer(syncID: 1, index: 1, count: 1, phase: .answer, entries: []))
        #expect(throws: WireError.invalidField("syncAnswer.index (not below count)")) {
            try bad.encodedBody()
        }
    }

    @Test("bucket hashes must be exactly 256, in a reconcile opening too")
    func bucketHashCount() {
        let short = GossipMessage.bucketHashes(BucketHashes(syncID: 1, hashes: [1, 2, 3]))
        #expect(throws: WireError.self) { try short.encodedBody() }
        let long = GossipMessage.reconcile(
            Reconcile(syncID: 1, digest: Digest(), hashes: Array(repeating: 7, count: 257)))
        #expect(throws: WireError.invalidField("reconcile.hashes (not 256)")) { try long.encodedBody() }
    }

    @Test("a sync answer's overhead helper matches the encoder")
    func answerOverhead() async {
        await propertyCheck(input: WireGen.digest.optional, WireGen.buckets.optional) { digest, buckets in
            let answer = GossipMessage.syncAnswer(
                SyncAnswer(
                    syncID: 9, index: 0, count: 1, phase: .answerBack, digest: digest,
                    requestedBuckets: buckets, entries: []))
            let size = try answer.encodedBody().count
            #expect(size == WireSize.syncAnswerOverhead(digest: digest, requestedBuckets: buckets))
        }
    }
}
