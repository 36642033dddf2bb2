/// Bounds on what one client may send, checked while decoding, before anything is buffered:
/// a header past a limit closes that client's connection (and only that one).
///
/// The defaults are Redis's (`proto-max-bulk-len` 512 MiB, 1M arguments, 64 KiB inline
/// requests, `client-query-buffer-limit` 1 GiB). A node SHOULD lower `maxBulkBytes` and
/// `maxCommandBytes` to what its cluster limits can store (a 64 KiB key, an 8 MiB value):
/// nothing larger can be written anyway.
public struct RESPLimits: Sendable, Equatable {
    /// Largest bulk string (one argument).
    public var maxBulkBytes: Int = 512 * 1024 * 1024
    /// Most arguments in one command.
    public var maxArrayCount: Int = 1024 * 1024
    /// Longest inline command line (telnet-style `SET a 5`), CRLF excluded.
    public var maxInlineBytes: Int = 64 * 1024
    /// Most bytes one not-yet-complete command may hold (its wire size so far plus the bulk it
    /// announces next): the pending-input limit of one client.
    public var maxCommandBytes: Int = 1024 * 1024 * 1024

    public init() {}

    public init(maxBulkBytes: Int, maxArrayCount: Int, maxInlineBytes: Int, maxCommandBytes: Int) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayCount = maxArrayCount
        self.maxInlineBytes = maxInlineBytes
        self.maxCommandBytes = maxCommandBytes
    }

    public static let standard = RESPLimits()
}
