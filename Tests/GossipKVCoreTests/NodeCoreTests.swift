import GossipKVCore
import Testing

/// `NodeCore`, the one composition of engine and membership, driven by hand.
@Suite("node core: engine and membership composed")
struct NodeCoreTests {
    static let start: UInt64 = 1_764_000_000_000
    static let me = NodeID(high: 0xFFFF, low: 1)
    static let other = NodeID(high: 2, low: 0)

    static func address(_ number: Int) -> MemberAddress {
        MemberAddress(host: .ipv4(0x0A00_0000 + UInt32(number)), gossipPort: 7377, clientPort: 7379)
    }

    static func core() -> NodeCore {
        let engine = GossipEngine(replica: Replica(id: me), config: GossipConfig(), seed: 1, now: start)
        let bootEpoch = engine.replica.readTime(physical: start)
        let membership = Membership(
            localID: me, localAddress: address(1), bootEpoch: bootEpoch, config: MembershipConfig(), seed: 2,
            now: start)
        return NodeCore(engine: engine, membership: membership, framing: framing(me, bootEpoch: bootEpoch))
    }

    static let cluster = NodeID(high: 0xC1, low: 0x57)

    /// A new run's framing for `id`, with an Ed25519-long authenticator.
    static func framing(_ id: NodeID, bootEpoch: HLCTimestamp) -> OutboundFraming {
        OutboundFraming(
            cluster: cluster, sender: id, bootEpoch: bootEpoch,
            authenticatorLength: Envelope.signatureByteCount,
            limits: .standard)
    }

    static func sends(_ directives: [NodeCoreDirective]) -> [(OutboundMessage, NodeID)] {
        directives.compactMap {
            if case let .send(message, _, to) = $0 { return (message, to) } else { return nil }
        }
    }

    @Test("an admitted member becomes an engine peer and gets a round at once")
    func admissionOpensARound() {
        var core = Self.core()
        let (result, directives) = core.admit(
            Self.other, address: Self.address(2), incarnation: Self.start << 16, now: Self.start)
        #expect(result == .added)
        #expect(core.engine.peers == [Self.other])
        let gossip = Self.sends(directives).filter {
            if case .gossip = $0.0 { return true } else { return false }
        }
        #expect(gossip.count == 1 && gossip.first?.1 == Self.other)
    }

    @Test("a SWIM message with a clock beyond the max offset is refused before the membership sees it")
    func membershipClockCheck() {
        var core = Self.core()
        _ = core.admit(Self.other, address: Self.address(2), incarnation: Self.start << 16, now: Self.start)
        let far = HLCTimestamp(physical: Self.start + 60_000)
        let directives = core.receiveMembership(
            .ping(sequence: 1, updates: [], summary: nil), from: Self.other, senderClock: far, now: Self.start
        )
        #expect(directives == [.rejected(.gossip(.messageClockTooFarAhead), from: Self.other)])
        #expect(NodeCoreRejection.gossip(.messageClockTooFarAhead).label == "clock_poisoning")
    }

    @Test("a ping is acked with the engine's summary, and the sender's summary stays in the core")
    func summariesStayInside() {
        var core = Self.core()
        _ = core.admit(Self.other, address: Self.address(2), incarnation: Self.start << 16, now: Self.start)
        let clock = HLCTimestamp(physical: Self.start)
        let theirs = core.engine.summary
        let directives = core.receiveMembership(
            .ping(sequence: 7, updates: [], summary: theirs), from: Self.other, senderClock: clock,
            now: Self.start)
        let acks = Self.sends(directives).filter {
            if case .swim(.ack(7, _, let summary)) = $0.0 {
                return summary == core.engine.summary
            } else {
                return false
            }
        }
        #expect(acks.count == 1)
    }

    @Test("a membership drop keeps its metrics label")
    func dropLabels() {
        var core = Self.core()
        let clock = HLCTimestamp(physical: Self.start)
        let directives = core.receiveMembership(
            .ping(sequence: 1, updates: [], summary: nil), from: Self.me, senderClock: clock, now: Self.start)
        #expect(directives == [.rejected(.membership(.fromSelf), from: Self.me)])
        #expect(NodeCoreRejection.membership(.fromSelf).label == "membership_from_self")
    }

    @Test("the next tick is the earlier deadline of engine and membership")
    func nextTick() {
        let core = Self.core()
        #expect(core.nextTickAt == min(core.engine.nextTickAt, core.membership?.nextTickAt ?? .max))
    }
}
