/// Names one write that garbage collection dropped: its key, timestamp and origin (an
/// `(origin, timestamp)` pair names one write: `Entry`). Replayed, it removes the key's entry
/// only if that is still this write, so a newer write of the key logged after it stays.
/// It carries no value: a collected expired value may be large, and the log needs only its name.
public struct EntryRemoval: Hashable, Sendable, CustomStringConvertible {
    public var key: [UInt8]
    public var timestamp: HLCTimestamp
    public var origin: NodeID

    public init(key: [UInt8], timestamp: HLCTimestamp, origin: NodeID) {
        self.key = key
        self.timestamp = timestamp
        self.origin = origin
    }

    /// The removal of `entry`.
    public init(of entry: Entry) {
        self.init(key: entry.key, timestamp: entry.timestamp, origin: entry.origin)
    }

    /// True when `entry` is the write this removal names.
    public func names(_ entry: Entry) -> Bool {
        entry.key == key && entry.timestamp == timestamp && entry.origin == origin
    }

    public var description: String {
        "Removal(\(String(decoding: key.prefix(32), as: UTF8.self)) @\(timestamp) from \(origin))"
    }
}
