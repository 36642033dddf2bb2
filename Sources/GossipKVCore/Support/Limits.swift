/// Cluster-wide size limits. They must be the same on every node, so that no node rejects what
/// another accepted; the defaults are DESIGN's constants.
public struct Limits: Sendable, Equatable {
    /// Largest key (64 KiB).
    public var maxKeyBytes: Int = 64 * 1024
    /// Largest value (8 MiB).
    public var maxValueBytes: Int = 8 * 1024 * 1024
    /// Largest datagram payload, authenticator included (1,400 bytes).
    public var maxDatagramBytes: Int = 1400
    /// Largest stream frame (16 MiB); the largest message any decoder accepts.
    public var maxFrameBytes: Int = 16 * 1024 * 1024
    /// Largest sync chunk (1 MiB), unless one entry alone is larger.
    public var maxChunkBytes: Int = 1024 * 1024
    /// Most entries one message may carry.
    public var maxEntriesPerMessage: Int = 65_536
    /// Most origins one digest may carry.
    public var maxDigestOrigins: Int = 4096
    /// Most chunks one sync answer may be cut into.
    public var maxChunksPerSync: Int = 65_536

    public init() {}

    public static let standard = Limits()
}
