import GossipKVCore

/// Deterministic benchmark data: 16-byte keys and 32-byte values, the same bytes that
/// `pycrdt_bench.py` uses, so both sides hash and store equal amounts.
enum BenchData {
    static let writer = NodeID(high: 0x0A0A_0A0A_0A0A_0A0A, low: 1)
    static let otherWriter = NodeID(high: 0x0B0B_0B0B_0B0B_0B0B, low: 2)
    static let basePhysical: UInt64 = 1_700_000_000_000

    /// `key-000000000042`: 16 ASCII bytes.
    static func key(_ index: Int) -> [UInt8] { Array(("key-" + zeroPadded(index, 12)).utf8) }

    /// `value-<26 digits>`: 32 ASCII bytes; `generation` makes a changed value differ.
    static func value(_ index: Int, generation: Int = 0) -> [UInt8] {
        Array(("v\(generation % 10)-" + zeroPadded(index, 29)).utf8)
    }

    static func zeroPadded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `count` entries from one origin with consecutive HLC ticks, as a sync answer carries them.
    static func delta(
        count: Int, origin: NodeID = writer, physical: UInt64 = basePhysical, generation: Int = 0
    ) -> [Entry] {
        var clock = HybridLogicalClock(startingAfter: HLCTimestamp(physical: physical))
        return (0..<count).map { index in
            Entry(
                key: key(index), value: value(index, generation: generation),
                timestamp: clock.now(physical: physical), origin: origin)
        }
    }
}
