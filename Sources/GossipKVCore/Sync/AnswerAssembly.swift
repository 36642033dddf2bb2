import DequeModule

/// The reassembly of chunked sync answers in a `GossipEngine` (DESIGN, "Anti-entropy": a large
/// answer is cut into chunks carrying `(sync id, index, count)`; the asker adopts the answer's
/// watermarks only when every chunk arrived and no entry was refused). Keeps the answers still
/// arriving, each until its deadline and at most `capacity` of them, and the recently finished
/// ones, so that a late duplicate chunk of a finished answer is ignored. The engine applies the
/// entries and decides on adoption (`GossipEngine.receiveAnswer`).
struct AnswerAssembly: Sendable {
    /// One answer being reassembled.
    struct Pending: Sendable {
        var count: UInt32
        var received: Set<UInt32> = []
        var digest: Digest?
        var refusedAnEntry = false
        /// Whether any entry of the answer changed our map.
        var changedTheMap = false
        var deadline: UInt64
    }

    /// Answers still arriving at most (`GossipConfig.maxPendingAnswers`); four times as many
    /// finished ones are remembered.
    let capacity: Int
    private var pending: [GossipEngine.AnswerKey: Pending] = [:]
    private var finished: Deque<GossipEngine.AnswerKey> = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Whether the answer `key` arrived whole recently.
    func isFinished(_ key: GossipEngine.AnswerKey) -> Bool { finished.contains(key) }

    /// The answer `key` as reassembled so far, or a new one of `count` chunks due by `deadline`.
    func progress(of key: GossipEngine.AnswerKey, count: UInt32, deadline: UInt64) -> Pending {
        pending[key] ?? Pending(count: count, deadline: deadline)
    }

    /// Keeps `progress` for `key`; a new answer beyond the capacity is not kept.
    mutating func store(_ progress: Pending, for key: GossipEngine.AnswerKey) {
        if pending[key] != nil || pending.count < capacity { pending[key] = progress }
    }

    /// The answer `key` arrived whole: no longer pending, remembered as finished.
    mutating func finish(_ key: GossipEngine.AnswerKey) {
        pending[key] = nil
        finished.append(key)
        if finished.count > capacity * 4 { finished.removeFirst() }
    }

    /// Forgets the answers whose deadline passed.
    mutating func expire(now: UInt64) {
        pending = pending.filter { $0.value.deadline > now }
    }
}
