import GossipKVCore

/// One page of SCAN, and the cursor order every backend uses.
///
/// Keys are visited in the order of their `StableHasher` hash (the fixed SipHash of the core),
/// and a cursor is the hash where the next page starts (0 starts, and a returned 0 ends, the
/// iteration). This keeps Redis's SCAN guarantee without a snapshot: a key present for the
/// whole iteration is returned, because keys inserted or deleted elsewhere do not move it in
/// the order; keys that share a hash are returned in the same page, so none is skipped. The
/// order is the same on every node, so a cursor stays meaningful across nodes.
public struct RESPScanPage: Sendable, Equatable {
    public var keys: [[UInt8]]
    /// Where the next page starts; 0 when the iteration is complete.
    public var nextCursor: UInt64

    public init(keys: [[UInt8]], nextCursor: UInt64) {
        self.keys = keys
        self.nextCursor = nextCursor
    }

    /// A key's place in the SCAN order.
    public static func cursorPosition(of key: [UInt8]) -> UInt64 { StableHasher.hash(key) }

    /// The page of `live` (any order) starting at `cursor`: about `count` keys (more when several
    /// share the last hash). Costs O(n log n) over `live`, so a full scan is O(n² / count):
    /// a fallback for backends without an index. The node answers from `LWWMap.scanPage`,
    /// which keeps the keys in this order and costs O(page).
    public static func page(of live: [[UInt8]], cursor: UInt64, count: Int) -> RESPScanPage {
        var candidates: [(position: UInt64, key: [UInt8])] = []
        for key in live {
            let position = cursorPosition(of: key)
            if position >= cursor { candidates.append((position, key)) }
        }
        candidates.sort {
            $0.position != $1.position ? $0.position < $1.position : $0.key.lexicographicallyPrecedes($1.key)
        }
        var end = Swift.min(Swift.max(count, 1), candidates.count)
        while end < candidates.count, end > 0, candidates[end].position == candidates[end - 1].position {
            end += 1
        }
        let next = end < candidates.count ? candidates[end].position : 0
        return RESPScanPage(keys: candidates[..<end].map(\.key), nextCursor: next)
    }
}
