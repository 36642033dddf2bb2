import GossipKVRESP
import NIOCore
import NIOEmbedded
import NIOTestUtils
import PropertyBased
import Testing

/// Small limits so that tests can reach every one of them.
let tightLimits = RESPLimits(
    maxBulkBytes: 1_000, maxArrayCount: 16, maxInlineBytes: 100, maxCommandBytes: 4_000)

/// Decodes `bytes` with a fresh parser, fed whole; returns the commands or the error.
func parseAll(_ bytes: [UInt8], limits: RESPLimits = tightLimits) -> Result<[RESPCommand], RESPError> {
    var parser = RESPCommandParser(limits: limits)
    var buffer = ByteBuffer(bytes: bytes)
    var commands: [RESPCommand] = []
    do {
        while let command = try parser.next(from: &buffer) { commands.append(command) }
        return .success(commands)
    } catch {
        return .failure(error)
    }
}

/// Decodes `bytes` fed in the given chunk sizes (cycled), the way a socket delivers them.
func parseChunked(_ bytes: [UInt8], chunks: [Int], limits: RESPLimits = tightLimits) -> Result<
    [RESPCommand], RESPError
> {
    var parser = RESPCommandParser(limits: limits)
    var buffer = ByteBuffer()
    var commands: [RESPCommand] = []
    var offset = 0
    var chunk = 0
    do {
        while offset < bytes.count {
            let size = max(1, chunks.isEmpty ? 1 : chunks[chunk % chunks.count])
            chunk += 1
            buffer.writeBytes(bytes[offset..<min(bytes.count, offset + size)])
            offset += size
            while let command = try parser.next(from: &buffer) { commands.append(command) }
            buffer.discardReadBytes()
        }
        return .success(commands)
    } catch {
        return .failure(error)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("RESP request decoder")
struct RESPDecoderTests {
    @Test(
        "commands survive whole, split, byte-at-a-time and concatenated input (ByteToMessageDecoderVerifier)")
    func verifier() throws {
        let pairs: [(ByteBuffer, [RESPCommand])] = [
            (multibulk("SET", "a", "5"), [RESPCommand("SET", "a", "5")]),
            // GET and SET names share one array each; every other spelling is read as sent.
            (multibulk("GET", "SET"), [RESPCommand("GET", "SET")]),
            (multibulk("get", "k"), [RESPCommand("get", "k")]),
            (multibulk("GEX", "k"), [RESPCommand("GEX", "k")]),
            (multibulk("SETX", "k"), [RESPCommand("SETX", "k")]),
            (multibulk("GE"), [RESPCommand("GE")]),
            (multibulk([[0, 13, 10, 255], []]), [RESPCommand(arguments: [[0, 13, 10, 255], []])]),
            (ByteBuffer(string: "PING\r\n"), [RESPCommand("PING")]),
            (ByteBuffer(string: "set \"a b\" 'c'\n"), [RESPCommand("set", "a b", "c")]),
            (ByteBuffer(string: "\r\n*0\r\nGET k\r\n"), [RESPCommand("GET", "k")]),
            (
                multibulk([Array(repeating: 120, count: 700)]),
                [RESPCommand(arguments: [Array(repeating: 120, count: 700)])]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            RESPDecoder(limits: tightLimits)
        }
    }

    @Test("random commands encoded as multibulk decode to themselves, however the bytes are split")
    func multibulkRoundTrip() async {
        let argument = Gen.int(in: 0...255).map { UInt8($0) }.array(of: 0...40)
        let input = zip(argument.array(of: 1...8), Gen.int(in: 1...9).array(of: 1...5))
        await propertyCheck(count: 300, input: input) { arguments, chunks in
            let wire = multibulk(arguments).readableBytesView.map { $0 }
            #expect(parseAll(wire) == .success([RESPCommand(arguments: arguments)]))
            #expect(parseChunked(wire, chunks: chunks) == .success([RESPCommand(arguments: arguments)]))
            #expect((try? parseAll(wire + wire).get())?.count == 2)
        }
    }

    @Test("random words sent inline decode to the same arguments")
    func inlineRoundTrip() async {
        let letters = Array("abcXYZ019-_:.".utf8)
        let word = Gen.int(in: 0..<letters.count).map { letters[$0] }.array(of: 1...12)
        await propertyCheck(count: 200, input: word.array(of: 1...6)) { words in
            let line = words.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "  ") + "\r\n"
            #expect(parseAll(bytes(line)) == .success([RESPCommand(arguments: words)]))
            #expect(parseChunked(bytes(line), chunks: [1]) == .success([RESPCommand(arguments: words)]))
        }
    }

    @Test("any bytes give the same verdict whole and byte by byte, and never trap")
    func garbageIsTotal() async {
        let alphabet = Array("*$\r\n0123-9 \"'\\xaGET".utf8) + [0, 255]
        let garbage = Gen.int(in: 0..<alphabet.count).map { alphabet[$0] }.array(of: 0...60)
        await propertyCheck(count: 500, input: garbage) { input in
            let whole = parseAll(input)
            let trickled = parseChunked(input, chunks: [1])
            #expect(whole == trickled)
        }
    }

    /// Whole input takes the one-pass read of a complete command; byte by byte never can (the
    /// header is read before the rest arrives). So the two must agree on every near-valid input:
    /// commands with one byte changed or cut short, lengths at and past the limits.
    @Test("a command with one byte changed or cut short gets the same verdict whole and byte by byte")
    func nearValidIsTotal() async {
        let replacements = Array("*$\r\n0123-9+ ".utf8) + [0, 255]
        let argument = Gen.int(in: 0...255).map { UInt8($0) }.array(of: 0...20)
        let input = zip(
            argument.array(of: 1...4), Gen.int(in: 0...10_000), Gen.int(in: 0..<replacements.count),
            Gen.int(in: 0...2))
        await propertyCheck(count: 600, input: input) { arguments, position, replacement, mode in
            var wire =
                multibulk(arguments).readableBytesView.map { $0 } + multibulk("GET", "k").readableBytesView
            let at = position % wire.count
            switch mode {
            case 0: wire[at] = replacements[replacement]
            case 1: wire.removeSubrange(at...)
            default: wire.insert(replacements[replacement], at: at)
            }
            #expect(parseAll(wire) == parseChunked(wire, chunks: [1]))
            #expect(parseAll(wire, limits: .standard) == parseChunked(wire, chunks: [1], limits: .standard))
        }
    }

    @Test("a whole command exactly at the limits is read; one byte past each is refused")
    func wholeCommandAtLimits() {
        let atCount = multibulk([[UInt8]](repeating: [1], count: 16)).readableBytesView.map { $0 }
        #expect(parseAll(atCount) == .success([RESPCommand(arguments: [[UInt8]](repeating: [1], count: 16))]))
        let pastCount = multibulk([[UInt8]](repeating: [1], count: 17)).readableBytesView.map { $0 }
        #expect(parseAll(pastCount) == .failure(.arrayTooLong(count: 17, limit: 16)))
        let atBulk = multibulk([Array(repeating: 7, count: 1_000)]).readableBytesView.map { $0 }
        #expect((try? parseAll(atBulk).get())?.first?.arguments.first?.count == 1_000)
        let pastBulk = multibulk([Array(repeating: 7, count: 1_001)]).readableBytesView.map { $0 }
        #expect(parseAll(pastBulk) == .failure(.bulkTooLong(length: 1_001, limit: 1_000)))
        // Leading zeros, signs and spaces are no lengths (Redis's string2ll), whole or trickled.
        for odd in [
            "*01\r\n$1\r\na\r\n", "*1\r\n$03\r\nabc\r\n", "*1\r\n$+3\r\nabc\r\n", "*1\r\n$ 3\r\nabc\r\n",
        ] {
            #expect(parseAll(bytes(odd)) == parseChunked(bytes(odd), chunks: [1]))
            #expect((try? parseAll(bytes(odd)).get()) == nil)
        }
        let big = [[UInt8]](repeating: Array(repeating: 7, count: 1_000), count: 4)
        let pastCommand = multibulk(big).readableBytesView.map { $0 }
        #expect(parseAll(pastCommand) == parseChunked(pastCommand, chunks: [1]))
        guard case .failure(.commandTooLarge) = parseAll(pastCommand) else {
            Issue.record("4 bulks of 1,000 bytes and their headers must pass the 4,000-byte command limit")
            return
        }
    }

    @Test("inline commands follow Redis's quoting rules")
    func inlineQuoting() throws {
        #expect(
            try parseAll(bytes("SET \"a\\x41\\n\" 'it\\'s' x\"y z\"\r\n")).get() == [
                RESPCommand("SET", "aA\n", "it's", "xy z")
            ])
        #expect(try parseAll(bytes("  \t \r\n\n")).get() == [])
        #expect(parseAll(bytes("GET \"open\r\n")) == .failure(.unbalancedQuotes))
        #expect(parseAll(bytes("GET \"a\"b\r\n")) == .failure(.unbalancedQuotes))
    }

    @Test("empty and null arrays are skipped without a command, as in Redis")
    func emptyArraysSkipped() throws {
        #expect(try parseAll(bytes("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")).get() == [RESPCommand("PING")])
    }

    @Test("a bulk header past the limit is refused before any of its data arrives")
    func oversizedBulkHeader() throws {
        let header = bytes("*2\r\n$3\r\nSET\r\n$1073741824\r\n")
        #expect(
            parseAll(header, limits: .standard)
                == .failure(.bulkTooLong(length: 1 << 30, limit: 8 * 1024 * 1024 + 64 * 1024)))
        #expect(parseAll(bytes("*1\r\n$1001\r\n")) == .failure(.bulkTooLong(length: 1001, limit: 1000)))
    }

    @Test(
        "malformed frames are refused with Redis's messages",
        arguments: [
            ("*1\r\n$-5\r\n", RESPError.invalidBulkLength),
            ("*1\r\n$abc\r\n", .invalidBulkLength),
            ("*1\r\n$+3\r\n", .invalidBulkLength),
            ("*x\r\n", .invalidArrayLength),
            ("*17\r\n", .arrayTooLong(count: 17, limit: 16)),
            ("*99999999999999999999999\r\n", .invalidArrayLength),
            ("*1\r\n*1\r\n$1\r\na\r\n", .expectedBulk(got: UInt8(ascii: "*"))),
            ("*2\r\n$3\r\nGET\r\nfoo\r\n", .expectedBulk(got: UInt8(ascii: "f"))),
            ("*1\r\n$3\r\nGETxx", .missingCRLF),
            ("*1\n", .missingCRLF),
            ("*1\r\n$3\nGET\r\n", .missingCRLF),
            ("*11111111111111111111111111111111111111", .lengthLineTooLong),
        ])
    func malformed(input: String, error: RESPError) {
        #expect(parseAll(bytes(input)) == .failure(error))
        #expect(parseChunked(bytes(input), chunks: [1]) == .failure(error))
    }

    @Test("an inline line past the limit is refused, even before its end arrives")
    func inlineTooLong() throws {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 102)
        #expect(parseAll(long) == .failure(.inlineTooLong(limit: 100)))
        #expect(parseAll(long + bytes("\r\n")) == .failure(.inlineTooLong(limit: 100)))
        #expect(try parseAll(Array(long.prefix(100)) + bytes("\r\n")).get().count == 1)
    }

    @Test("a command growing past the pending-bytes limit is refused at the header that would pass it")
    func commandTooLarge() {
        var wire = bytes("*6\r\n")
        for _ in 0..<4 { wire += bytes("$900\r\n") + [UInt8](repeating: 7, count: 900) + bytes("\r\n") }
        wire += bytes("$900\r\n")
        guard case .failure(.commandTooLarge(let size, 4_000)) = parseAll(wire) else {
            Issue.record("expected commandTooLarge, got \(parseAll(wire))")
            return
        }
        #expect(size > 4_000)
    }

    @Test("in a pipeline, the commands before a framing error are still decoded")
    func commandsBeforeAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder(limits: tightLimits)))
        var input = multibulk("SET", "a", "1")
        input.writeString("*1\r\n$-7\r\n")
        #expect(throws: RESPError.invalidBulkLength) { try channel.writeInbound(input) }
        #expect(try channel.readInbound(as: RESPCommand.self) == RESPCommand("SET", "a", "1"))
        _ = try? channel.finish()
    }

    @Test("a partial command at EOF is dropped, complete ones are delivered")
    func partialAtEOF() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder(limits: tightLimits)))
        var input = ByteBuffer(string: "PING\r\n")
        input.writeString("*2\r\n$3\r\nGET\r\n")
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: RESPCommand.self) == RESPCommand("PING"))
        #expect(try channel.finish().isClean)
    }

    @Test("integers are read as strictly as Redis's string2ll")
    func strictIntegers() {
        #expect(RESPInteger.parse("0") == 0)
        #expect(RESPInteger.parse("-9223372036854775808") == .min)
        #expect(RESPInteger.parse("9223372036854775807") == .max)
        for bad in [
            "", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1e3",
        ] {
            #expect(RESPInteger.parse(bad) == nil, "\(bad)")
        }
    }
}
