/// Decoders of the shared fields; layouts are documented on `ByteWriter+Fields.swift`.
///
/// They accept exactly the canonical encoding: flags are 0 or 1, digests are sorted with no
/// duplicate origin and no zero watermark. So a decoded message re-encodes to the very bytes it
/// came from, which the fuzzers check.
extension ByteReader {
    /// The smallest encoded entry: empty key, tombstone, no expiry.
    public static let minimumEntrySize = 4 + 1 + 8 + NodeID.byteCount + 1
    /// The smallest encoded push item: a minimal entry without a previous timestamp.
    public static let minimumPushItemSize = minimumEntrySize + 1
    /// One digest pair: origin and watermark.
    public static let digestPairSize = NodeID.byteCount + 8

    public mutating func readEntry(limits: Limits) throws(WireError) -> Entry {
        let key = try readLengthPrefixed(limit: limits.maxKeyBytes) { .keyTooLarge(size: $0, limit: $1) }
        var value: [UInt8]?
        if try readFlag(field: "entry.valueFlag") {
            value = try readLengthPrefixed(limit: limits.maxValueBytes) {
                .valueTooLarge(size: $0, limit: $1)
            }
        }
        let timestamp = try readTimestamp()
        let origin = try readNodeID()
        let expiry = try readOptionalTimestamp(field: "entry.expiryFlag")
        // `Entry` reads a zero deadline as "no expiry", which is encoded without the flag: accept
        // only that encoding, so every body has exactly one encoding (the fuzzers check this).
        if expiry == .zero { throw .invalidField("entry.expiry (a zero deadline is written as no expiry)") }
        return Entry(key: key, value: value, timestamp: timestamp, origin: origin, expiry: expiry)
    }

    public mutating func readDigest(limits: Limits) throws(WireError) -> Digest {
        let count = try readCount(limit: limits.maxDigestOrigins, minimumElementSize: Self.digestPairSize) {
            .tooManyOrigins(count: $0, limit: $1)
        }
        var watermarks = [NodeID: HLCTimestamp](minimumCapacity: count)
        var previous: NodeID?
        for _ in 0..<count {
            let origin = try readNodeID()
            let watermark = try readTimestamp()
            if let previous, !(previous < origin) {
                throw .invalidField("digest.origins (unsorted or duplicate)")
            }
            guard watermark != .zero else { throw .invalidField("digest.watermark (zero)") }
            watermarks[origin] = watermark
            previous = origin
        }
        return Digest(watermarks)
    }

    public mutating func readBucketSet() throws(WireError) -> BucketSet {
        try require(32)
        return BucketSet(words: (try readUInt64(), try readUInt64(), try readUInt64(), try readUInt64()))
    }

    public mutating func readPushItem(limits: Limits) throws(WireError) -> Push.Item {
        let entry = try readEntry(limits: limits)
        let previous = try readOptionalTimestamp(field: "push.previousFlag")
        return Push.Item(entry: entry, previousTimestamp: previous)
    }

    /// A flag, then a timestamp when the flag is set.
    public mutating func readOptionalTimestamp(field: String) throws(WireError) -> HLCTimestamp? {
        try readFlag(field: field) ? try readTimestamp() : nil
    }

    /// The `u32` count of a list of entries or items whose smallest encoding is `minimumSize`.
    mutating func readEntryCount(limits: Limits, minimumSize: Int) throws(WireError) -> Int {
        try readCount(limit: limits.maxEntriesPerMessage, minimumElementSize: minimumSize) {
            .tooManyEntries(count: $0, limit: $1)
        }
    }
}
