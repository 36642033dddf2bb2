import GossipKVRESP
import NIOCore
import PropertyBased
import Testing

@Suite("RESP values and globs")
struct RESPValueTests {
    @Test("each kind of value has Redis's wire form")
    func wireForms() {
        #expect(RESPValue.ok.encoded == Array("+OK\r\n".utf8))
        #expect(RESPValue.err("bad").encoded == Array("-ERR bad\r\n".utf8))
        #expect(RESPValue.integer(-42).encoded == Array(":-42\r\n".utf8))
        #expect(RESPValue.integer(0).encoded == Array(":0\r\n".utf8))
        #expect(RESPValue.integer(.max).encoded == Array(":9223372036854775807\r\n".utf8))
        #expect(RESPValue.integer(.min).encoded == Array(":-9223372036854775808\r\n".utf8))
        #expect(
            RESPValue.bulkString(Array(repeating: 120, count: 1234)).encoded.prefix(7)
                == Array("$1234\r\n".utf8)[...])
        #expect(RESPValue.bulk("hé").encoded == Array("$3\r\nhé\r\n".utf8))
        #expect(RESPValue.null.encoded == Array("$-1\r\n".utf8))
        #expect(RESPValue.array(nil).encoded == Array("*-1\r\n".utf8))
        #expect(
            RESPValue.array([.integer(1), .bulkString([])]).encoded == Array("*2\r\n:1\r\n$0\r\n\r\n".utf8))
    }

    /// The bulk writer counts the length's digits itself: every length around a power of ten.
    @Test("a bulk string of any length is $, the decimal length, CR LF, the bytes, CR LF")
    func bulkLengths() {
        for count in [0, 1, 9, 10, 11, 99, 100, 101, 999, 1_000, 9_999, 10_000, 65_536] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let expected = Array("$\(count)\r\n".utf8) + bytes + [13, 10]
            #expect(RESPValue.bulkString(bytes).encoded == expected, "length \(count)")
            #expect(RESPValue.bulkString(bytes).encoded(as: .resp3) == expected, "length \(count)")
            var buffer = ByteBuffer(string: "+OK\r\n")
            buffer.writeRESPValue(.bulkString(bytes))
            #expect(Array(buffer.readableBytesView) == Array("+OK\r\n".utf8) + expected)
        }
    }

    @Test("CR and LF in a status or error line become spaces, so echoed text cannot inject a reply")
    func lineInjection() {
        #expect(RESPValue.error("ERR unknown 'a\r\n+OK'").encoded == Array("-ERR unknown 'a  +OK'\r\n".utf8))
        #expect(RESPValue.simpleString("a\nb").encoded == Array("+a b\r\n".utf8))
    }

    static let valueGen: Generator<RESPValue, some SendableSequenceType> = {
        let bytes = Gen.int(in: 0...255).map { UInt8($0) }.array(of: 0...20)
        let line = Gen.int(in: 32...126).map { UInt8($0) }.array(of: 0...20).map {
            String(decoding: $0, as: UTF8.self)
        }
        let leaf = Gen.oneOf(
            line.map { RESPValue.simpleString($0) }, line.map { RESPValue.error($0) },
            Gen.int(in: Int.min...Int.max).map { RESPValue.integer(Int64($0)) },
            bytes.map { RESPValue.bulkString($0) },
            Gen.always(RESPValue.null), Gen.always(RESPValue.array(nil)))
        return Gen.oneOf(
            leaf, leaf.array(of: 0...5).map { RESPValue.array($0) },
            leaf.array(of: 0...3).array(of: 0...3).map { RESPValue.array($0.map { RESPValue.array($0) }) })
    }()

    @Test("what the encoder writes, an independent reply parser reads back")
    func encoderRoundTrip() async {
        await propertyCheck(count: 300, input: Self.valueGen) { value in
            var buffer = ByteBuffer()
            buffer.writeRESPValue(value)
            #expect((try? RESPReplyParser.next(&buffer)) == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test(
        "glob patterns follow Redis's stringmatch",
        arguments: [
            ("h?llo", "hello", true), ("h?llo", "hllo", false), ("h*llo", "hllo", true),
            ("h*llo", "heeeello", true),
            ("h[ae]llo", "hallo", true), ("h[ae]llo", "hillo", false), ("h[^e]llo", "hello", false),
            ("h[^e]llo", "hallo", true),
            ("h[a-b]llo", "hbllo", true), ("h[b-a]llo", "hallo", true), ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("*", "", true), ("", "", true), ("", "a", false), ("a*", "b", false), ("*a", "ba", true),
            ("[abc", "a", true),
            ("__keyspace@0__:*", "__keyspace@0__:k", true), ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
        ])
    func globs(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(Array(text.utf8)) == expected)
    }

    @Test("a pathological pattern is matched in polynomial time")
    func pathologicalGlob() {
        let pattern = GlobPattern(String(repeating: "*a", count: 30) + "b")
        let text = Array(repeating: UInt8(ascii: "a"), count: 2_000)
        let start = ContinuousClock.now
        #expect(!pattern.matches(text))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("literal patterns match exactly their own text")
    func literalGlobs() async {
        let word = Gen.int(in: 97...122).map { UInt8($0) }.array(of: 0...8)
        await propertyCheck(count: 200, input: zip(word, word)) { pattern, text in
            #expect(GlobPattern(pattern).matches(text) == (pattern == text))
            #expect(GlobPattern(pattern + [UInt8(ascii: "*")]).matches(pattern + text))
        }
    }
}
