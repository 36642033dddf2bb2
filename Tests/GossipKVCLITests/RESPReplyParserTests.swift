import Testing

@testable import gossipkv

/// The CLI's reply parser on canned bytes: every RESP2 type, and bounded on hostile input.
@Suite("RESP reply parser")
struct RESPReplyParserTests {
    struct Bytes: RESPByteSource {
        var data: [UInt8]
        var position = 0
        let endpoint = "test"

        init(_ text: String) { data = Array(text.utf8) }

        mutating func line(limit: Int) throws(ClientError) -> [UInt8] {
            var index = position
            while index + 1 < data.count {
                if data[index] == 13, data[index + 1] == 10 {
                    let line = Array(data[position..<index])
                    position = index + 2
                    return line
                }
                guard index - position <= limit else {
                    throw .protocolViolation(endpoint: endpoint, detail: "a line longer than \(limit) bytes")
                }
                index += 1
            }
            throw .connectionClosed(endpoint: endpoint)
        }

        mutating func bytes(_ count: Int) throws(ClientError) -> [UInt8] {
            guard data.count - position >= count else { throw .connectionClosed(endpoint: endpoint) }
            defer { position += count }
            return Array(data[position..<(position + count)])
        }
    }

    static func parse(_ text: String) throws(ClientError) -> RESPReply {
        var source = Bytes(text)
        return try RESPReplyParser.read(from: &source)
    }

    @Test("simple strings, errors, integers, bulk strings (null too) and nested arrays")
    func types() throws {
        #expect(try Self.parse("+OK\r\n") == .simple("OK"))
        #expect(try Self.parse("-ERR no\r\n") == .error("ERR no"))
        #expect(try Self.parse(":-42\r\n") == .integer(-42))
        #expect(try Self.parse("$5\r\na\r\nbc\r\n") == .bulk(Array("a\r\nbc".utf8)))
        #expect(try Self.parse("$-1\r\n") == .bulk(nil))
        #expect(
            try Self.parse("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n")
                == .array([.bulk(Array("0".utf8)), .array([.bulk(Array("k".utf8))])]))
        #expect(try Self.parse("*-1\r\n") == .array(nil))
    }

    @Test("garbage, oversize and over-deep replies are refused with typed errors")
    func bounds() {
        #expect(
            throws: ClientError.protocolViolation(endpoint: "test", detail: "a reply starting with byte 72")
        ) {
            try Self.parse("HTTP/1.1 200 OK\r\n")
        }
        #expect(throws: ClientError.replyTooLarge(endpoint: "test", limit: "64 MiB per value")) {
            try Self.parse("$999999999999\r\n")
        }
        #expect(throws: ClientError.replyTooLarge(endpoint: "test", limit: "1048576 elements per array")) {
            try Self.parse("*99999999\r\n")
        }
        #expect(
            throws: ClientError.protocolViolation(endpoint: "test", detail: "arrays nested deeper than 8")
        ) {
            try Self.parse(String(repeating: "*1\r\n", count: 20) + ":1\r\n")
        }
        #expect(
            throws: ClientError.protocolViolation(endpoint: "test", detail: "a bulk string without its CRLF")
        ) {
            try Self.parse("$1\r\nabc\r\n")
        }
        #expect(throws: ClientError.connectionClosed(endpoint: "test")) { try Self.parse("$10\r\nabc") }
    }

    @Test("requests are binary-safe multibulks")
    func encode() {
        #expect(
            RESPRequest.encode([Array("SET".utf8), [0, 13, 10]]) == Array("*2\r\n$3\r\nSET\r\n$3\r\n".utf8)
                + [0, 13, 10, 13, 10])
    }

    @Test("INFO's member lines parse into rows; unknown fields are ignored")
    func clusterInfo() {
        let info = ClusterInfo(
            parsing: """
                # Keyspace\r
                db0:keys=3,expires=0,avg_ttl=0\r
                \r
                # Cluster\r
                node_id:aa\r
                node_name:n1\r
                hlc:1700000000000.2\r
                hlc_physical_ms:1700000000000\r
                state_hash:00ff\r
                member0:id=aa,name=n1,addr=127.0.0.1:7101,state=alive,self=1\r
                member1:id=bb,name=n2,addr=127.0.0.1:7102,state=suspect,self=0,lag_entries=4,lag_ms=120,future=x\r
                member2:id=cc,name=,addr=127.0.0.1:7103,state=alive,self=0\r
                entries:5\r

                """)
        #expect(info.liveKeys == 3)
        #expect(info.entries == 5)
        #expect(info.nodeName == "n1")
        #expect(info.members.count == 3)
        #expect(
            info.members[1]
                == ClusterInfo.Member(
                    id: "bb", name: "n2", address: "127.0.0.1:7102", state: "suspect", isSelf: false,
                    lagEntries: 4, lagMilliseconds: 120))
        #expect(info.members[1].lagDescription == "4 entries (120 ms)")
        #expect(info.members[2].lagDescription == "unknown")
        let rows = MembersCommand.render(info).split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("? ") && $0.contains("cc") })
    }
}
