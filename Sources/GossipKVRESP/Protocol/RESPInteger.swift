/// Strict decimal integers, as Redis's `string2ll` reads them: an optional `-`, then digits with
/// no leading zero (except `0` itself), no `+`, no spaces, and within `Int64`. Lengths on the wire
/// and integer arguments (`INCRBY`, `EXPIRE`, ...) are read this way, so `" 1"` or `"01"` is
/// refused everywhere as it is by Redis.
public enum RESPInteger {
    public static func parse(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var iterator = bytes.makeIterator()
        guard var byte = iterator.next() else { return nil }
        if bytes.count == 1, byte == UInt8(ascii: "0") { return 0 }
        let negative = byte == UInt8(ascii: "-")
        if negative {
            guard let next = iterator.next() else { return nil }
            byte = next
        }
        guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(byte) else { return nil }
        // Accumulate as a negative number: Int64.min has no positive counterpart.
        var value = -Int64(byte - UInt8(ascii: "0"))
        while let next = iterator.next() {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.subtractingReportingOverflow(Int64(next - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    public static func parse(_ text: String) -> Int64? { parse(Array(text.utf8)) }
}
