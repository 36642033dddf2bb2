import Foundation
import GossipKVCore
import GossipKVRESP
import NIOCore
import Testing

/// RESP limits follow the cluster's key and value limits instead of Redis's 512 MiB and 1 GiB.
@Suite("RESP limits derived from the cluster's", .serialized)
struct RESPLimitsTests {
    @Test("the standard limits are the cluster's value size plus slack, and follow other cluster limits")
    func derived() {
        let standard = RESPLimits.standard
        #expect(standard.maxBulkBytes == 8 * 1024 * 1024 + 64 * 1024)
        #expect(standard.maxArrayCount == 131_073)
        #expect(standard.maxCommandBytes == 4 * standard.maxBulkBytes)
        var small = Limits()
        small.maxValueBytes = 1_000
        small.maxKeyBytes = 100
        small.maxEntriesPerMessage = 10
        let limits = RESPLimits(cluster: small)
        #expect(limits.maxBulkBytes == 1_000 + RESPLimits.bulkSlackBytes)
        #expect(limits.maxArrayCount == 21)
        #expect(limits.maxCommandBytes == RESPLimits.commandBulks * limits.maxBulkBytes)
    }

    @Test(
        "a value just past the cluster limit gets the store's -ERR and the connection stays; a 9 MiB bulk closes it"
    )
    func valuePastLimit() async throws {
        try await withServer { _, address, _ in
            let client = try await TestClient.connect(to: address)
            let overByOne = String(repeating: "v", count: 8 * 1024 * 1024 + 1)
            guard case let .error(message) = try await client.call("SET", "k", overByOne) else {
                Issue.record("an oversized value was stored")
                return
            }
            #expect(message.contains("limit is 8388608 bytes"))
            #expect(try await client.call("PING") == .simpleString("PONG"))

            let flooder = try await TestClient.connect(to: address)
            try await flooder.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$\(9 * 1024 * 1024)\r\n")
            #expect(
                try await flooder.reply()
                    == .error("ERR Protocol error: invalid bulk length (9437184 bytes, limit 8454144)"))
            #expect(await flooder.closedByServer())

            let wide = try await TestClient.connect(to: address)
            try await wide.send("*200000\r\n")
            #expect(
                try await wide.reply()
                    == .error("ERR Protocol error: invalid multibulk length (200000 arguments, limit 131073)")
            )
            #expect(await wide.closedByServer())
            #expect(try await client.call("PING") == .simpleString("PONG"))
            await client.close()
        }
    }

    @Test("a client whose pending command passes the query limit gets -ERR and is closed")
    func queryBufferBounded() async throws {
        try await withServer { _, address, _ in
            let client = try await TestClient.connect(to: address)
            // Four 8 MiB arguments fit; a fifth header pushes the command past 4 × (8 MiB + 64 KiB).
            let bulk = 8 * 1024 * 1024
            var header = "*11\r\n$4\r\nMSET\r\n"
            try await client.send(header)
            for index in 0..<4 {
                header = "$1\r\n\(index)\r\n$\(bulk)\r\n"
                try await client.send(header)
                try await client.send(ByteBuffer(repeating: UInt8(ascii: "x"), count: bulk))
                try await client.send("\r\n")
            }
            try await client.send("$\(bulk)\r\n")
            guard case let .error(message) = try await client.reply(timeout: .seconds(30)) else {
                Issue.record("the oversized command was not refused")
                return
            }
            #expect(message.hasPrefix("ERR Protocol error: command of at least"))
            #expect(message.contains("query limit"))
            #expect(await client.closedByServer())
        }
    }

    @Test(
        "pending argument bytes pause reading at the query limit and resume as replies go: a long pipeline is answered in order"
    )
    func pendingBytesBackpressure() async throws {
        try await withServer({
            $0.limits = RESPLimits(
                maxBulkBytes: 1_000, maxArrayCount: 8, maxInlineBytes: 100, maxCommandBytes: 2_000)
        }) { _, address, _ in
            let client = try await TestClient.connect(to: address)
            let payload = String(repeating: "p", count: 900)
            var pipeline = ByteBuffer()
            for index in 0..<400 { pipeline.writeImmutableBuffer(multibulk("ECHO", "\(index)" + payload)) }
            try await client.send(pipeline)
            let replies = try await client.replies(400, timeout: .seconds(60))
            #expect(replies == (0..<400).map { .bulk("\($0)" + payload) })
            await client.close()
        }
    }
}
