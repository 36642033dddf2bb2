import Foundation
import GossipKVCore
import GossipKVRESP
import Testing

@testable import GossipKVNode

/// `Node.keyspaceStats()` answers DBSIZE and INFO keyspace in one pass; it must count exactly
/// what the protocol's default (walk the live keys, look at each entry) counts. Part of the
/// serialized loopback suite, so its node does not race the others for ephemeral ports.
extension NodeLoopbackTests {
    @Test("live keys and expiring keys are counted; tombstones and expired entries are not")
    func countsLiveAndExpiring() async throws {
        let node = try await Node(Self.configuration("stats"), logger: Self.quietLogger)
        try await Self.withRunning([node]) {
            let now = Self.now()
            try await node.put("plain", "1")
            try await node.put(
                Array("later".utf8), Array("2".utf8), expiry: HLCTimestamp(physical: now + 3_600_000))
            try await node.put(Array("soon".utf8), Array("3".utf8), expiry: HLCTimestamp(physical: now + 50))
            try await node.put("gone", "4")
            try await node.delete("gone")
            try await Task.sleep(for: .milliseconds(150))

            let stats = await node.keyspaceStats()
            #expect(stats == RESPKeyspaceStats(keys: 2, expiring: 1))

            // The same answer as the protocol's default, which walks the keys one by one.
            let live = await node.liveKeys()
            var expiring = 0
            for key in live where await node.entry(key)?.expiry != nil { expiring += 1 }
            #expect(stats == RESPKeyspaceStats(keys: live.count, expiring: expiring))
        }
    }
}
