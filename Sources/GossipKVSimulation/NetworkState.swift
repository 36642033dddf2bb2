import GossipKVCore

/// The simulated network between nodes: partitions, one-way blocks, loss, duplication and
/// random delays (which reorder messages).
struct NetworkState: Sendable {
    struct Link: Hashable, Sendable {
        var from: Int
        var to: Int
    }

    private var random: SplitMix64
    /// The partition group of each node, while a partition lasts.
    private var groups: [Int]?
    private var blocked: Set<Link> = []
    /// Last scheduled delivery per stream (TCP keeps order).
    private var lastStreamDelivery: [Link: UInt64] = [:]

    init(random: SplitMix64, nodeCount: Int) {
        self.random = random
    }

    func allows(from: Int, to: Int) -> Bool {
        if let groups, groups[from] != groups[to] { return false }
        return !blocked.contains(Link(from: from, to: to))
    }

    mutating func partition(_ newGroups: [Int]) { groups = newGroups }

    mutating func block(from: Int, to: Int) {
        if from != to { blocked.insert(Link(from: from, to: to)) }
    }

    mutating func heal() {
        groups = nil
        blocked.removeAll()
    }

    /// How many copies of a message arrive: 0 (blocked or lost), 1, or 2 (duplicated).
    mutating func copies(from: Int, to: Int, loss: Double, duplication: Double) -> Int {
        guard allows(from: from, to: to) else { return 0 }
        if chance(loss) { return 0 }
        return chance(duplication) ? 2 : 1
    }

    /// A delivery time for a stream frame: never before the previous frame on the same link.
    mutating func streamDeliveryTime(from: Int, to: Int, notBefore time: UInt64) -> UInt64 {
        let link = Link(from: from, to: to)
        let delivery = Swift.max(time, lastStreamDelivery[link] ?? 0)
        lastStreamDelivery[link] = delivery
        return delivery
    }

    mutating func delay(min: UInt64, max: UInt64) -> UInt64 {
        min + random.next() % (max - min + 1)
    }

    private mutating func chance(_ probability: Double) -> Bool {
        Double(random.next() >> 11) / Double(1 << 53) < probability
    }
}
