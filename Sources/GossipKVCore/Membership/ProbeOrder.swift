/// The order in which members are probed: a round-robin over a shuffled list, shuffled again at
/// the end of every pass, with new members inserted at a random position (SWIM, Das et al.
/// 2002, section 4.3; as in foca and memberlist).
///
/// Compared with picking a random target each time, this bounds the time to first detection of
/// a failed member to two passes while keeping the expected time of random choice.
struct ProbeOrder: Sendable {
    private(set) var ids: [NodeID] = []
    /// Index of the next member to consider.
    private var position = 0

    mutating func insert(_ id: NodeID, random: inout SplitMix64) {
        guard !ids.contains(id) else { return }
        let index = Int(random.next() % UInt64(ids.count + 1))
        ids.insert(id, at: index)
        // Keep the member that was next still next.
        if index < position { position += 1 }
    }

    /// The next member `isProbeable` accepts, or nil when none does.
    mutating func next(random: inout SplitMix64, where isProbeable: (NodeID) -> Bool) -> NodeID? {
        // Two passes at most: the rest of this one and a whole fresh one.
        for _ in 0..<(2 * ids.count + 1) {
            if position >= ids.count {
                shuffle(random: &random)
                position = 0
                if ids.isEmpty { return nil }
            }
            let id = ids[position]
            position += 1
            if isProbeable(id) { return id }
        }
        return nil
    }

    /// Fisher-Yates with our own generator, so the order depends only on the seed (the
    /// standard library's `shuffle` algorithm is not promised to stay the same).
    private mutating func shuffle(random: inout SplitMix64) {
        guard ids.count > 1 else { return }
        for index in stride(from: ids.count - 1, to: 0, by: -1) {
            let pick = Int(random.next() % UInt64(index + 1))
            ids.swapAt(index, pick)
        }
    }
}
