/// The body codec of the anti-entropy messages: what goes between the envelope header and the
/// authenticator. The kind is in the header, not in the body.
///
/// Body layouts (integers big-endian; shared fields as in `ByteWriter+Fields.swift`):
/// - `syncRequest`: sync id `u64`, digest, state hash `u64`.
/// - `syncSummary`: digest hash `u64`, state hash `u64`.
/// - `syncAnswer`: sync id `u64`, index `u32`, count `u32`, phase `u8`, digest flag `u8` (+ digest),
///   requested-buckets flag `u8` (+ bucket set), entry count `u32`, entries.
/// - `bucketHashes`: sync id `u64`, then exactly 256 `u32` hashes (no count: it is fixed).
/// - `push`: hops `u8`, item count `u32`, items.
/// - `reconcile`: sync id `u64`, digest, then exactly 256 `u32` bucket hashes.
///
/// Encoding and decoding check the same `Limits`, so `encodeBody` succeeds exactly when the
/// bytes it makes decode again, to an equal message.
extension GossipMessage {
    public func encodeBody(into writer: inout ByteWriter, limits: Limits = .standard) throws(WireError) {
        switch self {
        case let .syncRequest(request):
            writer.write(request.syncID)
            try writer.write(request.digest, limits: limits)
            writer.write(request.stateHash)
        case let .syncSummary(summary):
            writer.write(summary.digestHash)
            writer.write(summary.stateHash)
        case let .syncAnswer(answer):
            try Self.validateChunk(index: Int(answer.index), count: Int(answer.count), limits: limits)
            writer.write(answer.syncID)
            writer.write(answer.index)
            writer.write(answer.count)
            writer.write(answer.phase.rawValue)
            writer.write(answer.digest != nil)
            if let digest = answer.digest { try writer.write(digest, limits: limits) }
            writer.write(answer.requestedBuckets != nil)
            if let buckets = answer.requestedBuckets { writer.write(buckets) }
            try writer.writeEntryCount(answer.entries.count, limits: limits)
            for entry in answer.entries { try writer.write(entry, limits: limits) }
        case let .bucketHashes(hashes):
            guard hashes.hashes.count == BucketSet.bucketCount else {
                throw .invalidField("bucketHashes.hashes (not 256)")
            }
            writer.write(hashes.syncID)
            for hash in hashes.hashes { writer.write(hash) }
        case let .push(push):
            writer.write(push.hops)
            try writer.writeEntryCount(push.items.count, limits: limits)
            for item in push.items { try writer.write(item, limits: limits) }
        case let .reconcile(reconcile):
            guard reconcile.hashes.count == BucketSet.bucketCount else {
                throw .invalidField("reconcile.hashes (not 256)")
            }
            writer.write(reconcile.syncID)
            try writer.write(reconcile.digest, limits: limits)
            for hash in reconcile.hashes { writer.write(hash) }
        }
    }

    /// The body as a fresh array.
    public func encodedBody(limits: Limits = .standard) throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: encodedBodySize)
        try encodeBody(into: &writer, limits: limits)
        return writer.bytes
    }

    /// Reads one body of `kind`. The caller MUST then check that nothing is left (`reader.finish()`)
    /// when the body fills a frame; `decodeBody(kind:_:limits:)` does both.
    public static func decodeBody(
        kind: MessageKind, from reader: inout ByteReader, limits: Limits
    ) throws(WireError) -> GossipMessage {
        switch kind {
        case .syncRequest:
            let syncID = try reader.readUInt64()
            let digest = try reader.readDigest(limits: limits)
            let stateHash = try reader.readUInt64()
            return .syncRequest(SyncRequest(syncID: syncID, digest: digest, stateHash: stateHash))
        case .syncSummary:
            return .syncSummary(
                SyncSummary(digestHash: try reader.readUInt64(), stateHash: try reader.readUInt64()))
        case .syncAnswer:
            return .syncAnswer(try decodeSyncAnswer(from: &reader, limits: limits))
        case .bucketHashes:
            let syncID = try reader.readUInt64()
            return .bucketHashes(BucketHashes(syncID: syncID, hashes: try readBucketHashes(from: &reader)))
        case .push:
            let hops = try reader.readUInt8()
            let count = try reader.readEntryCount(limits: limits, minimumSize: ByteReader.minimumPushItemSize)
            var items = [Push.Item]()
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try reader.readPushItem(limits: limits)) }
            return .push(Push(hops: hops, items: items))
        case .reconcile:
            let syncID = try reader.readUInt64()
            let digest = try reader.readDigest(limits: limits)
            return .reconcile(
                Reconcile(syncID: syncID, digest: digest, hashes: try readBucketHashes(from: &reader)))
        case .ping, .ack, .pingRequest, .nack, .announcement, .revocations:
            throw .foreignKind(kind.rawValue)
        }
    }

    /// Exactly 256 `u32` hashes (no count: it is fixed); the length is checked before any read.
    private static func readBucketHashes(from reader: inout ByteReader) throws(WireError) -> [UInt32] {
        try reader.require(BucketSet.bucketCount * 4)
        var hashes = [UInt32]()
        hashes.reserveCapacity(BucketSet.bucketCount)
        for _ in 0..<BucketSet.bucketCount { hashes.append(try reader.readUInt32()) }
        return hashes
    }

    /// Decodes a whole body: every byte must belong to the message.
    public static func decodeBody(
        kind: MessageKind, _ bytes: ArraySlice<UInt8>, limits: Limits
    ) throws(WireError) -> GossipMessage {
        var reader = ByteReader(bytes)
        let message = try decodeBody(kind: kind, from: &reader, limits: limits)
        try reader.finish()
        return message
    }

    private static func decodeSyncAnswer(from reader: inout ByteReader, limits: Limits) throws(WireError)
        -> SyncAnswer
    {
        let syncID = try reader.readUInt64()
        let index = try reader.readUInt32()
        let count = try reader.readUInt32()
        try validateChunk(index: Int(index), count: Int(count), limits: limits)
        guard let phase = SyncAnswer.Phase(rawValue: try reader.readUInt8()) else {
            throw .invalidField("syncAnswer.phase")
        }
        let digest =
            try reader.readFlag(field: "syncAnswer.digestFlag") ? try reader.readDigest(limits: limits) : nil
        let buckets = try reader.readFlag(field: "syncAnswer.bucketsFlag") ? try reader.readBucketSet() : nil
        let entryCount = try reader.readEntryCount(limits: limits, minimumSize: ByteReader.minimumEntrySize)
        var entries = [Entry]()
        entries.reserveCapacity(entryCount)
        for _ in 0..<entryCount { entries.append(try reader.readEntry(limits: limits)) }
        return SyncAnswer(
            syncID: syncID, index: index, count: count, phase: phase, digest: digest,
            requestedBuckets: buckets, entries: entries)
    }

    /// A chunk names its place in an answer of `count` chunks: at least one, at most
    /// `maxChunksPerSync`, and `index < count`.
    private static func validateChunk(index: Int, count: Int, limits: Limits) throws(WireError) {
        guard count >= 1 else { throw .invalidField("syncAnswer.count (zero)") }
        guard count <= limits.maxChunksPerSync else {
            throw .tooManyChunks(count: count, limit: limits.maxChunksPerSync)
        }
        guard index < count else { throw .invalidField("syncAnswer.index (not below count)") }
    }
}
