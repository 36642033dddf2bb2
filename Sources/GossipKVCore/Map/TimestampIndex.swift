/// The keys one origin wrote, ordered by timestamp: what makes `delta(for:)` cost in proportion
/// to the entries it returns rather than to the size of the map.
///
/// A two-level sorted array (sorted blocks of at most `blockCapacity` items, themselves in
/// order): appends in timestamp order, the common case, are O(1); an out-of-order insert or a
/// removal moves at most one block; a range query is a binary search and a walk.
/// (swift-collections' `SortedDictionary` would fit but is not released for production use.)
struct TimestampIndex: Sendable {
    struct Item: Sendable {
        var timestamp: HLCTimestamp
        var key: [UInt8]
    }

    static let blockCapacity = 256
    private var blocks: [[Item]] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var lastTimestamp: HLCTimestamp? { blocks.last?.last?.timestamp }

    /// Index of the first block whose last item has a timestamp >= `timestamp`, or `blocks.count`.
    private func blockIndex(notBefore timestamp: HLCTimestamp) -> Int {
        var low = 0
        var high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if let last = blocks[mid].last, last.timestamp < timestamp { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Index of the first block whose last item has a timestamp > `timestamp`, or `blocks.count`.
    private func blockIndex(after timestamp: HLCTimestamp) -> Int {
        var low = 0
        var high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if let last = blocks[mid].last, last.timestamp <= timestamp { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func firstIndex(in block: [Item], after timestamp: HLCTimestamp) -> Int {
        var low = 0
        var high = block.count
        while low < high {
            let mid = (low + high) / 2
            if block[mid].timestamp <= timestamp { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func insert(timestamp: HLCTimestamp, key: [UInt8]) {
        count += 1
        let item = Item(timestamp: timestamp, key: key)
        if let lastBlock = blocks.last, let last = lastBlock.last {
            if last.timestamp <= timestamp {
                if lastBlock.count < Self.blockCapacity {
                    blocks[blocks.count - 1].append(item)
                } else {
                    blocks.append([item])
                }
                return
            }
        } else {
            blocks = [[item]]
            return
        }
        // Out of order: after all items with an equal timestamp, inside the first block that ends later.
        let blockIndex = Swift.min(blockIndex(after: timestamp), blocks.count - 1)
        let position = Self.firstIndex(in: blocks[blockIndex], after: timestamp)
        blocks[blockIndex].insert(item, at: position)
        if blocks[blockIndex].count > Self.blockCapacity {
            let upper = Array(blocks[blockIndex][(Self.blockCapacity / 2)...])
            blocks[blockIndex].removeSubrange((Self.blockCapacity / 2)...)
            blocks.insert(upper, at: blockIndex + 1)
        }
    }

    /// Removes the item `(timestamp, key)`; returns false when it is not present.
    @discardableResult
    mutating func remove(timestamp: HLCTimestamp, key: [UInt8]) -> Bool {
        var blockIndex = blockIndex(notBefore: timestamp)
        while blockIndex < blocks.count {
            let block = blocks[blockIndex]
            guard let first = block.first, first.timestamp <= timestamp else { return false }
            var position = Self.firstIndex(in: block, after: timestamp) - 1
            while position >= 0 && block[position].timestamp == timestamp {
                if block[position].key == key {
                    blocks[blockIndex].remove(at: position)
                    if blocks[blockIndex].isEmpty { blocks.remove(at: blockIndex) }
                    count -= 1
                    return true
                }
                position -= 1
            }
            // Equal timestamps may continue into the next block.
            blockIndex += 1
        }
        return false
    }

    /// Calls `body` with every item whose timestamp is greater than `timestamp`, in order.
    func forEach(after timestamp: HLCTimestamp, _ body: (Item) throws -> Void) rethrows {
        var blockIndex = blockIndex(after: timestamp)
        guard blockIndex < blocks.count else { return }
        var position = Self.firstIndex(in: blocks[blockIndex], after: timestamp)
        while blockIndex < blocks.count {
            let block = blocks[blockIndex]
            while position < block.count {
                try body(block[position])
                position += 1
            }
            blockIndex += 1
            position = 0
        }
    }

    /// Number of items with a timestamp greater than `timestamp` (walks only those).
    func count(after timestamp: HLCTimestamp) -> Int {
        var result = 0
        forEach(after: timestamp) { _ in result += 1 }
        return result
    }
}
