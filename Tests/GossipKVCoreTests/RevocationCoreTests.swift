import GossipKVCore
import Testing

/// The core's side of gossiped revocation: origins traced back to nodes (`OriginClaim`,
/// `OriginRegistry`), a revoked node's origins barred from the map whoever relays its entries
/// (`Replica.bar`), and the notice that carries revocations between members.
@Suite("revocation in the core")
struct RevocationCoreTests {
    static let revoked = NodeID(high: 0xBAD, low: 1)

    @Test("a claim's origin is the one the node writes under, and epoch 0 is the node id itself")
    func claimsAreSelfVerifying() {
        let claim = OriginClaim(node: Self.revoked, epoch: 77)
        #expect(claim.origin == NodeID.origin(node: Self.revoked, epoch: 77))
        #expect(Replica(id: Self.revoked, epoch: 77).origin == claim.origin)
        #expect(OriginClaim(node: Self.revoked, epoch: 0).origin == Self.revoked)
        #expect(OriginClaim(node: NodeID(high: 1, low: 1), epoch: 77).origin != claim.origin)
    }

    @Test("the registry keeps the most recent epochs per node and forgets the stalest node when full")
    func registryIsBounded() {
        var registry = OriginRegistry(maxEpochsPerNode: 2, maxNodes: 2)
        let a = NodeID(high: 1, low: 0)
        let b = NodeID(high: 2, low: 0)
        let c = NodeID(high: 3, low: 0)
        let first = registry.record(OriginClaim(node: a, epoch: 1))
        let again = registry.record(OriginClaim(node: a, epoch: 1))
        #expect(first)
        #expect(!again)
        registry.record(OriginClaim(node: a, epoch: 2))
        registry.record(OriginClaim(node: a, epoch: 3))
        #expect(registry.epochs(of: a) == [2, 3])
        #expect(
            registry.origins(of: a)
                == [a, NodeID.origin(node: a, epoch: 2), NodeID.origin(node: a, epoch: 3)].sorted())
        registry.record(OriginClaim(node: b, epoch: 9))
        registry.record(OriginClaim(node: a, epoch: 3))  // a heard from again: b is now the stalest
        registry.record(OriginClaim(node: c, epoch: 5))
        #expect(registry.nodeCount == 2)
        #expect(registry.epochs(of: b).isEmpty)
        #expect(registry.epochs(of: a) == [2, 3])
        #expect(registry.origins(of: b) == [b])
    }

    @Test("barring an origin drops its entries, keeps the others, and refuses its entries from then on")
    func barDropsAndRefuses() throws {
        let origin = NodeID.origin(node: Self.revoked, epoch: 5)
        let honest = NodeID(high: 9, low: 9)
        var replica = Replica(id: NodeID(high: 1, low: 0))
        let now: UInt64 = 1_764_000_000_000
        let bad = Entry(key: [1], value: [1], timestamp: HLCTimestamp(physical: now - 10), origin: origin)
        let good = Entry(key: [2], value: [2], timestamp: HLCTimestamp(physical: now - 10), origin: honest)
        _ = replica.applyRemote(bad, physical: now)
        _ = replica.applyRemote(good, physical: now)
        let dropped = replica.bar([origin])
        #expect(dropped == [bad])
        #expect(replica.map.entry(forKey: [1]) == nil)
        #expect(replica.map.entry(forKey: [2]) == good)
        let droppedAgain = replica.bar([origin])
        #expect(droppedAgain.isEmpty)  // already barred
        let later = Entry(key: [3], value: [3], timestamp: HLCTimestamp(physical: now - 5), origin: origin)
        let outcome = replica.applyRemote(later, physical: now)
        #expect(outcome == .failure(.revokedOrigin))
        #expect(replica.map.entry(forKey: [3]) == nil)
        // Never our own origin.
        let own = replica.bar([replica.origin])
        #expect(own.isEmpty)
        #expect(!replica.barredOrigins.contains(replica.origin))
    }

    @Test(
        "barring drops an entry at HLC zero too (found by FuzzReplicaMerge: the per-origin index query started above zero)"
    )
    func barDropsTimestampZero() {
        let origin = NodeID(high: 0x2D00_0000_0000_004F, low: 0)
        var replica = Replica(id: NodeID(high: 1, low: 0))
        let zero = Entry(key: [], value: nil, timestamp: .zero, origin: origin)
        let accepted = replica.applyRemote(zero, physical: (1 << 48) - 1)
        #expect(accepted == .success(.inserted))
        let dropped = replica.bar([origin])
        #expect(dropped == [zero])
        #expect(replica.map.count == 0)
    }

    @Test(
        "a revoked origin's entries relayed by an honest peer are refused, and the answer's watermarks still adopted"
    )
    func relayedEntriesAreRefused() throws {
        var harness = EngineHarness(count: 3)
        // Node 3 is the revoked writer; node 2 never learns of the revocation and relays.
        harness.write(3, "bad", "x")
        harness.round(from: 2, to: 3)
        #expect(harness.replica(2)?.map.entry(forKey: Array("bad".utf8)) != nil)
        let origin = try #require(harness.replica(3)?.origin)
        var one = try #require(harness.engines[EngineHarness.id(1)])
        _ = one.bar([origin], now: harness.now)
        harness.engines[EngineHarness.id(1)] = one
        harness.write(2, "good", "y")
        harness.round(from: 1, to: 2)
        let replica = try #require(harness.replica(1))
        #expect(replica.map.entry(forKey: Array("bad".utf8)) == nil)
        #expect(replica.map.entry(forKey: Array("good".utf8)) != nil)
        #expect(
            harness.directives[EngineHarness.id(1), default: []].contains(
                .rejected(.entry(.revokedOrigin), from: EngineHarness.id(2))))
        #expect(
            harness.directives[EngineHarness.id(1), default: []].contains(
                .answerCompleted(from: EngineHarness.id(2), adopted: true)))
        // A push relayed by node 2 is refused too.
        let entry = try #require(harness.replica(2)?.map.entry(forKey: Array("bad".utf8)))
        let push = GossipMessage.push(Push(hops: 1, items: [Push.Item(entry: entry, previousTimestamp: nil)]))
        harness.run([.send(push, to: EngineHarness.id(1))], from: EngineHarness.id(2))
        #expect(harness.replica(1)?.map.entry(forKey: Array("bad".utf8)) == nil)
    }

    @Test("a notice round-trips, refuses bodies past its bounds, and is cut into notices within them")
    func noticeCodec() throws {
        let records = (0..<11).map { index in [UInt8](repeating: UInt8(index), count: 105) }
        let claims = (0..<20).map {
            OriginClaim(node: NodeID(high: UInt64($0), low: 1), epoch: UInt64($0) * 3)
        }
        let notices = RevocationNotice.notices(records: records, claims: claims)
        #expect(notices.count == 2)
        #expect(notices.flatMap(\.records) == records)
        #expect(notices.flatMap(\.claims) == claims)
        for notice in notices {
            let bytes = try notice.encoded()
            #expect(bytes.count == notice.encodedSize)
            #expect(try RevocationNotice(decoding: bytes[...]) == notice)
        }
        #expect(RevocationNotice.notices(records: [], claims: []).isEmpty)
        #expect(throws: WireError.self) { try RevocationNotice(decoding: [9, 0][...]) }  // 9 records > 8
        #expect(throws: WireError.self) { try RevocationNotice(decoding: [0, 200][...]) }  // 200 claims > 16
        #expect(throws: WireError.self) { try RevocationNotice(decoding: [0, 0, 1][...]) }  // trailing byte
        #expect(throws: WireError.self) { try RevocationNotice(decoding: [1, 200][...]) }  // record too long
    }

    @Test("an announcement carries its sender's data epoch")
    func announcementEpoch() throws {
        let address = MemberAddress(host: .ipv4(0x7F00_0001), gossipPort: 7377, clientPort: 7379)
        let announcement = Announcement(
            certificate: [1, 2], address: address, wantsReply: true, members: [], dataEpoch: 0xFEED)
        let decoded = try Announcement(decoding: try announcement.encoded()[...])
        #expect(decoded.dataEpoch == 0xFEED)
        #expect(decoded == announcement)
    }
}
