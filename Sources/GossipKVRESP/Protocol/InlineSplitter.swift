/// Splits an inline command line into arguments the way Redis's `sdssplitargs` does, so that
/// what works in `telnet` against Redis works here: words separated by white space, `"double
/// quotes"` with the escapes `\n \r \t \b \a \\ \"` and `\xHH`, and `'single quotes'` where only
/// `\'` is an escape. A closing quote must be followed by white space or the end of the line.
enum InlineSplitter {
    static func split(_ line: [UInt8]) throws(RESPError) -> [[UInt8]] {
        var arguments: [[UInt8]] = []
        var index = 0
        while true {
            while index < line.count, isSpace(line[index]) { index += 1 }
            if index == line.count { return arguments }
            var current: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                guard index < line.count else {
                    if inDoubleQuotes || inSingleQuotes { throw .unbalancedQuotes }
                    break
                }
                let byte = line[index]
                if inDoubleQuotes {
                    if byte == UInt8(ascii: "\\"), index + 3 < line.count,
                        line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        current.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < line.count {
                        index += 1
                        current.append(unescaped(line[index]))
                    } else if byte == UInt8(ascii: "\"") {
                        if index + 1 < line.count, !isSpace(line[index + 1]) { throw .unbalancedQuotes }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else if inSingleQuotes {
                    if byte == UInt8(ascii: "\\"), index + 1 < line.count,
                        line[index + 1] == UInt8(ascii: "'")
                    {
                        index += 1
                        current.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < line.count, !isSpace(line[index + 1]) { throw .unbalancedQuotes }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else if isSpace(byte) {
                    done = true
                } else if byte == UInt8(ascii: "\"") {
                    inDoubleQuotes = true
                } else if byte == UInt8(ascii: "'") {
                    inSingleQuotes = true
                } else {
                    current.append(byte)
                }
                index += 1
            }
            arguments.append(current)
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "a"): return 0x07
        default: return byte
        }
    }
}
