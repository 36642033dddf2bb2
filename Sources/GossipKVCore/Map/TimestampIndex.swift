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
    /// Never holds an empty block.
    private var blocks: [[Item]] = []
    /// The timestamp of each block's last item, so that finding a block is a binary search in
    /// one contiguous array rather than a walk through a block's storage per step (a cache
    /// miss each in a large map).
    private var lastTimestamps: [HLCTimestamp] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var lastTimestamp: HLCTimestamp? { lastTimestamps.last }

    /// Index of the first block whose last item has a timestamp >= `timestamp`, or `blocks.count`.
    private func blockIndex(notBefore timestamp: HLCTimestamp) -> Int {
        var low = 0
        var high = lastTimestamps.count
        while low < high {
            let mid = (low + high) / 2
            if lastTimestamps[mid] < timestamp { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Index of the first block whose last item has a timestamp > `timestamp`, or `blocks.count`.
    private func blockIndex(after timestamp: HLCTimestamp) -> Int {
        var low = 0
        var high = lastTimestamps.count
        while low < high {
            let mid = (low + high) / 2
            if lastTimestamps[mid] <= timestamp { low = mid + 1 } else { high = mid }
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
        guard let last = lastTimestamps.last else {
            blocks = [[item]]
            lastTimestamps = [timestamp]
            return
        }
        if last <= timestamp {
            if blocks[blocks.count - 1].count < Self.blockCapacity {
                blocks[blocks.count - 1].append(item)
                lastTimestamps[lastTimestamps.count - 1] = timestamp
            } else {
                blocks.append([item])
                lastTimestamps.append(timestamp)
            }
            return
        }
        // Out of order: after all items with an equal timestamp, inside the first block that ends
        // later (one exists, since the last block does); that block's last item stays last.
        let blockIndex = Swift.min(blockIndex(after: timestamp), blocks.count - 1)
        let position = Self.firstIndex(in: blocks[blockIndex], after: timestamp)
        blocks[blockIndex].insert(item, at: position)
        if blocks[blockIndex].count > Self.blockCapacity {
            let upper = Array(blocks[blockIndex][(Self.blockCapacity / 2)...])
            blocks[blockIndex].removeSubrange((Self.blockCapacity / 2)...)
            blocks.insert(upper, at: blockIndex + 1)
            lastTimestamps.insert(blocks[blockIndex][blocks[blockIndex].count - 1].timestamp, at: blockIndex)
        }
    }

    /// Removes the item `(timestamp, key)`; returns false when it is not present.
    @discardableResult
    mutating func remove(timestamp: HLCTimestamp, key: [UInt8]) -> Bool {
        var blockIndex = blockIndex(notBefore: timestamp)
        while blockIndex < blocks.count {
            guard let position = Self.position(of: key, at: timestamp, in: blocks[blockIndex]) else {
                // Equal timestamps may continue into the next block, if this one ends with them.
                if lastTimestamps[blockIndex] != timestamp { return false }
                blockIndex += 1
                continue
            }
            // No copy of the block is alive here, so the removal happens in place.
            blocks[blockIndex].remove(at: position)
            if let newLast = blocks[blockIndex].last {
                lastTimestamps[blockIndex] = newLast.timestamp
            } else {
                blocks.remove(at: blockIndex)
                lastTimestamps.remove(at: blockIndex)
            }
            count -= 1
            return true
        }
        return false
    }

    /// The position of the item `(timestamp, key)` in `block`, if there.
    private static func position(of key: [UInt8], at timestamp: HLCTimestamp, in block: [Item]) -> Int? {
        var position = firstIndex(in: block, after: timestamp) - 1
        while position >= 0 && block[position].timestamp == timestamp {
            if block[position].key == key { return position }
            position -= 1
        }
        return nil
    }

    /// True when the structure's invariants hold (for tests): no empty block, items in
    /// timestamp order across blocks, each block's last timestamp recorded, the count right.
    var isConsistent: Bool {
        guard blocks.count == lastTimestamps.count, !blocks.contains(where: \.isEmpty) else { return false }
        var previous = HLCTimestamp.zero
        var total = 0
        for (block, last) in zip(blocks, lastTimestamps) {
            guard block.count <= Self.blockCapacity, block.last?.timestamp == last else { return false }
            for item in block {
                if item.timestamp < previous { return false }
                previous = item.timestamp
            }
            total += block.count
        }
        return total == count
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
    /// Every item, in timestamp order (the zero timestamp included, which `forEach(after:)`
    /// cannot reach).
    func forEachItem(_ body: (Item) throws -> Void) rethrows {
        for block in blocks { for item in block { try body(item) } }
    }

    func count(after timestamp: HLCTimestamp) -> Int {
        var result = 0
        forEach(after: timestamp) { _ in result += 1 }
        return result
    }
}
