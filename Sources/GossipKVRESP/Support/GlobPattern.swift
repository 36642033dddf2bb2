/// Redis glob patterns (KEYS, SCAN MATCH, PSUBSCRIBE): `*` any run of bytes, `?` one byte,
/// `[abc]`, `[^abc]`, `[a-z]` one byte in (or not in) a set, and `\x` the byte x literally.
/// Bytes, not characters: keys are binary.
///
/// Matching is the two-pointer algorithm with one backtrack point (the last `*`), so it runs in
/// O(pattern × text) at worst; Redis's recursive matcher once needed a limit for patterns like
/// `*a*a*a*a*b`, this one does not.
public struct GlobPattern: Sendable, Hashable {
    public let pattern: [UInt8]

    public init(_ pattern: [UInt8]) { self.pattern = pattern }

    public init(_ pattern: String) { self.pattern = Array(pattern.utf8) }

    /// True for `*`: every key matches, so callers may skip matching.
    public var matchesEverything: Bool { pattern == [UInt8(ascii: "*")] }

    public func matches(_ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var starPattern: Int? = nil
        var starText = 0
        while t < text.count {
            if p < pattern.count {
                let byte = pattern[p]
                if byte == UInt8(ascii: "*") {
                    // Collapse runs of stars; remember where to resume on a mismatch.
                    while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
                    if p == pattern.count { return true }
                    starPattern = p
                    starText = t
                    continue
                }
                if let next = matchOne(at: p, byte: text[t]) {
                    p = next
                    t += 1
                    continue
                }
            }
            guard let resume = starPattern else { return false }
            starText += 1
            t = starText
            p = resume
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// If the pattern element at `p` (not a star) matches `byte`, the index after that element.
    private func matchOne(at p: Int, byte: UInt8) -> Int? {
        switch pattern[p] {
        case UInt8(ascii: "?"):
            return p + 1
        case UInt8(ascii: "["):
            return matchClass(at: p, byte: byte)
        case UInt8(ascii: "\\") where p + 1 < pattern.count:
            return pattern[p + 1] == byte ? p + 2 : nil
        case let literal:
            return literal == byte ? p + 1 : nil
        }
    }

    /// Matches a `[...]` class starting at `p`. An unterminated class runs to the end of the
    /// pattern, as in Redis.
    private func matchClass(at start: Int, byte: UInt8) -> Int? {
        var p = start + 1
        let negated = p < pattern.count && pattern[p] == UInt8(ascii: "^")
        if negated { p += 1 }
        var matched = false
        while p < pattern.count, pattern[p] != UInt8(ascii: "]") {
            if pattern[p] == UInt8(ascii: "\\"), p + 1 < pattern.count {
                if pattern[p + 1] == byte { matched = true }
                p += 2
            } else if p + 2 < pattern.count, pattern[p + 1] == UInt8(ascii: "-"),
                pattern[p + 2] != UInt8(ascii: "]")
            {
                let low = Swift.min(pattern[p], pattern[p + 2])
                let high = Swift.max(pattern[p], pattern[p + 2])
                if (low...high).contains(byte) { matched = true }
                p += 3
            } else {
                if pattern[p] == byte { matched = true }
                p += 1
            }
        }
        guard matched != negated else { return nil }
        return Swift.min(p + 1, pattern.count)
    }
}
