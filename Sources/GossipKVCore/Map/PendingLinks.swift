/// The `previous → timestamp` links of writes this replica applied above its watermark for their
/// origin (issue 12): a push item says "the origin wrote `timestamp` right after `previous`", so
/// once the watermark reaches `previous` it may move to `timestamp`, and on along the chain.
/// Eager pushes arrive out of order (relays, reordered datagrams); without the links a write
/// that arrived before its predecessor froze the watermark until a complete sync answer, and
/// every round until then shipped everything above it again.
///
/// Why links rather than dense per-origin sequence numbers: the links need no new field on the
/// wire or in storage (every push item already carries the previous timestamp, and HLC
/// timestamps already name writes), an origin's data epochs need no counter to persist, and the
/// memory is only for the writes that are out of order right now, not a per-origin bitmap.
/// The cost is a hash lookup per push item.
///
/// Memory is bounded: at most `capacity` links in all. Beyond it a link is not kept (counted in
/// `refused`); that watermark then waits for the answer path (a complete sync answer), as before.
/// Links at or below the watermark are dropped as the watermark passes them.
struct PendingLinks: Sendable {
    /// Per origin: previous timestamp → the timestamp of the write that followed it.
    private var links: [NodeID: [HLCTimestamp: HLCTimestamp]] = [:]
    private(set) var count = 0
    /// Links not kept because the table was full.
    private(set) var refused = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Keeps `previous → timestamp` for `origin`; false when the table is full.
    mutating func insert(origin: NodeID, previous: HLCTimestamp, timestamp: HLCTimestamp) -> Bool {
        if links[origin]?[previous] == timestamp { return true }
        guard count < capacity else {
            refused += 1
            return false
        }
        if links[origin, default: [:]].updateValue(timestamp, forKey: previous) == nil { count += 1 }
        return true
    }

    /// The write that followed `previous` for `origin`, removed from the table, if known.
    mutating func take(origin: NodeID, previous: HLCTimestamp) -> HLCTimestamp? {
        guard let next = links[origin]?.removeValue(forKey: previous) else { return nil }
        count -= 1
        if links[origin]?.isEmpty == true { links[origin] = nil }
        return next
    }

    /// After `origin`'s watermark jumped to `watermark` (an adopted answer): drops the links it
    /// covers, and returns the furthest write a link starting at or below it leads to (the
    /// writes between the link's ends are none, so the watermark may move there), if any.
    mutating func dropCovered(origin: NodeID, upTo watermark: HLCTimestamp) -> HLCTimestamp? {
        guard let originLinks = links[origin] else { return nil }
        var kept: [HLCTimestamp: HLCTimestamp] = [:]
        var reach: HLCTimestamp?
        for (previous, next) in originLinks {
            if next <= watermark { continue }
            if previous <= watermark {
                reach = Swift.max(reach ?? next, next)
                continue
            }
            kept[previous] = next
        }
        count -= originLinks.count - kept.count
        links[origin] = kept.isEmpty ? nil : kept
        return reach
    }

    /// Whether any link waits for `origin`'s watermark (a gap in what we received).
    func hasGap(origin: NodeID) -> Bool { links[origin] != nil }

    /// Whether any link waits at all.
    var isEmpty: Bool { count == 0 }
}
