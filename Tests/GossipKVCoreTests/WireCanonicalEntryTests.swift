import GossipKVCore
import Testing

@Suite("wire: canonical entries")
struct WireCanonicalEntryTests {
    @Test("an expiry flag with a zero deadline is refused (no expiry has exactly one encoding)")
    func zeroExpiryRefused() throws {
        let entry = Entry(
            key: [1], value: [2], timestamp: HLCTimestamp(physical: 5), origin: NodeID(high: 1, low: 1))
        let push = GossipMessage.push(Push(hops: 0, items: [Push.Item(entry: entry, previousTimestamp: nil)]))
        var body = try push.encodedBody()
        // The entry ends with its expiry flag (0); then the item's previous-timestamp flag (0).
        let flagIndex = body.count - 2
        #expect(body[flagIndex] == 0)
        body[flagIndex] = 1
        body.insert(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0], at: flagIndex + 1)
        #expect(throws: WireError.self) {
            try GossipMessage.decodeBody(kind: .push, body[...], limits: .standard)
        }
        body[flagIndex + 8] = 7
        let decoded = try GossipMessage.decodeBody(kind: .push, body[...], limits: .standard)
        guard case let .push(decodedPush) = decoded else { Issue.record("not a push"); return }
        #expect(decodedPush.items.first?.entry.expiry == HLCTimestamp(rawValue: 7))
    }
}
