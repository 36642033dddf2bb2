/// Encoders of the fields that several messages share: entries, digests, bucket sets and push
/// items. Each checks the same limits its decoder in `ByteReader+Fields.swift` enforces, so that
/// a message this node encodes is one every node with the same `Limits` accepts.
///
/// Layouts (integers big-endian):
/// - entry: key (`u32` length + bytes), value flag (`u8`: 0 tombstone, 1 value) and, for a value,
///   `u32` length + bytes, timestamp `u64`, origin 16 bytes, expiry flag `u8` and, when set, `u64`.
/// - digest: `u32` origin count, then `(origin 16 bytes, watermark u64)` pairs in strictly
///   ascending origin order, every watermark non-zero (zero means "absent" and is never sent).
/// - bucket set: its four `u64` words, buckets 0-63 first.
/// - push item: entry, then previous-timestamp flag `u8` and, when set, `u64`.
extension ByteWriter {
    public mutating func write(_ entry: Entry, limits: Limits) throws(WireError) {
        guard entry.key.count <= limits.maxKeyBytes else {
            throw .keyTooLarge(size: entry.key.count, limit: limits.maxKeyBytes)
        }
        try writeLengthPrefixed(entry.key)
        if let value = entry.value {
            guard value.count <= limits.maxValueBytes else {
                throw .valueTooLarge(size: value.count, limit: limits.maxValueBytes)
            }
            write(true)
            try writeLengthPrefixed(value)
        } else {
            write(false)
        }
        write(entry.timestamp)
        write(entry.origin)
        writeOptional(entry.expiry)
    }

    public mutating func write(_ digest: Digest, limits: Limits) throws(WireError) {
        guard digest.count <= limits.maxDigestOrigins, let count = UInt32(exactly: digest.count) else {
            throw .tooManyOrigins(count: digest.count, limit: limits.maxDigestOrigins)
        }
        write(count)
        for (origin, watermark) in digest.sorted {
            write(origin)
            write(watermark)
        }
    }

    public mutating func write(_ buckets: BucketSet) {
        write(buckets.words.0)
        write(buckets.words.1)
        write(buckets.words.2)
        write(buckets.words.3)
    }

    public mutating func write(_ item: Push.Item, limits: Limits) throws(WireError) {
        try write(item.entry, limits: limits)
        writeOptional(item.previousTimestamp)
    }

    /// A flag, then the timestamp when present.
    public mutating func writeOptional(_ timestamp: HLCTimestamp?) {
        write(timestamp != nil)
        if let timestamp { write(timestamp) }
    }

    /// The `u32` count of a list of entries or items, checked against the per-message limit.
    mutating func writeEntryCount(_ count: Int, limits: Limits) throws(WireError) {
        guard count <= limits.maxEntriesPerMessage, let wireCount = UInt32(exactly: count) else {
            throw .tooManyEntries(count: count, limit: limits.maxEntriesPerMessage)
        }
        write(wireCount)
    }
}
