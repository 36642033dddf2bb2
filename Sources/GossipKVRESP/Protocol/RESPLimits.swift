import GossipKVCore

/// Bounds on what one client may send, checked while decoding, before anything is buffered:
/// a header past a limit closes that client's connection (and only that one) with
/// `-ERR Protocol error: ...`, as Redis does.
///
/// The standard limits are derived from the cluster's (`init(cluster:)` over `Limits.standard`)
/// instead of Redis's (`proto-max-bulk-len` 512 MiB, `client-query-buffer-limit` 1 GiB): no
/// argument larger than a value can be stored, so a client announcing one is refused at its
/// header rather than buffered for nothing.
public struct RESPLimits: Sendable, Equatable {
    /// Largest bulk string (one argument).
    public var maxBulkBytes: Int
    /// Most arguments in one command.
    public var maxArrayCount: Int
    /// Longest inline command line (telnet-style `SET a 5`), CRLF excluded.
    public var maxInlineBytes: Int
    /// Most bytes one not-yet-complete command may hold (its wire size so far plus the bulk it
    /// announces next): the pending-input (query buffer) limit of one client.
    public var maxCommandBytes: Int

    /// Extra room over the largest value for a bulk string: a value a little past the cluster's
    /// limit still reaches the store, whose refusal (`-ERR value too large`) keeps the
    /// connection open; only a grossly oversized one is a protocol error.
    public static let bulkSlackBytes = 64 * 1024

    /// How many largest-possible arguments one command may carry in total: an MSET of four
    /// full-size values, or thousands of ordinary ones.
    public static let commandBulks = 4

    /// Limits for a cluster whose entries obey `cluster`:
    /// - a bulk string: the larger of a value and a key, plus `bulkSlackBytes` (8 MiB + 64 KiB
    ///   by default);
    /// - arguments: 1 + 2 × `maxEntriesPerMessage` (131,073 by default: an MSET of as many
    ///   pairs as one gossip message carries; Redis allows 1M, which costs tens of MiB of
    ///   argument headers alone);
    /// - inline lines: 64 KiB (Redis's);
    /// - one command: `commandBulks` largest bulk strings (about 32 MiB by default, against
    ///   Redis's 1 GiB).
    public init(cluster: Limits) {
        maxBulkBytes = max(cluster.maxValueBytes, cluster.maxKeyBytes) + Self.bulkSlackBytes
        maxArrayCount = 1 + 2 * cluster.maxEntriesPerMessage
        maxInlineBytes = 64 * 1024
        maxCommandBytes = Self.commandBulks * maxBulkBytes
    }

    public init() { self.init(cluster: .standard) }

    public init(maxBulkBytes: Int, maxArrayCount: Int, maxInlineBytes: Int, maxCommandBytes: Int) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayCount = maxArrayCount
        self.maxInlineBytes = maxInlineBytes
        self.maxCommandBytes = maxCommandBytes
    }

    public static let standard = RESPLimits()
}
