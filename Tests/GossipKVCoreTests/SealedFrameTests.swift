import GossipKVCore
import Testing

/// The sealed frame's layout (issue 13, item 1): the parser is total, and the 45 bytes it adds
/// are budgeted wherever the core sizes a datagram.
@Suite("sealed frames: layout and datagram budget")
struct SealedFrameTests {
    @Test(
        "parse reads marker, key id, nonce and ciphertext without copying, and refuses every short or foreign input by name"
    )
    func layout() throws {
        let frame: [UInt8] =
            [SealedFrame.marker, 0xDE, 0xAD, 0xBE, 0xEF] + [UInt8](repeating: 7, count: 24) + [1, 2, 3]
            + [UInt8](repeating: 9, count: 16)
        let parsed = try SealedFrame.parse(frame[...], maxBytes: 1_400).get()
        #expect(parsed.keyID == DataKeyID(rawValue: 0xDEAD_BEEF))
        #expect(parsed.keyID.description == "deadbeef")
        #expect(DataKeyID(hex: "deadbeef") == parsed.keyID)
        #expect(Array(parsed.nonce) == [UInt8](repeating: 7, count: 24))
        #expect(parsed.ciphertext.count == 3 + 16)
        #expect(Array(parsed.associatedData) == SealedFrame.header(keyID: parsed.keyID))
        for length in 0..<SealedFrame.overhead {
            let cut = frame.prefix(length)
            let expected: SealRejection = length == 0 ? .truncated(size: 0) : .truncated(size: length)
            #expect(SealedFrame.parse(cut, maxBytes: 1_400) == .failure(expected))
        }
        #expect(
            SealedFrame.parse(frame[...], maxBytes: 10) == .failure(.oversize(size: frame.count, limit: 10)))
        #expect(DataKeyID(hex: "xyz") == nil)
        #expect(DataKeyID(hex: "123456789") == nil)
    }

    @Test("the push budget and the channel choice leave room for the sealed frame in a 1,400-byte datagram")
    func datagramBudget() {
        #expect(
            GossipConfig().pushBudgetBytes + EnvelopeHeader.encodedLength + Envelope.signatureByteCount
                + SealedFrame.overhead <= Limits.standard.maxDatagramBytes)
        let framing = OutboundFraming(
            cluster: NodeID(high: 1, low: 1), sender: NodeID(high: 2, low: 2),
            bootEpoch: HLCTimestamp(physical: 1),
            authenticatorLength: 64, limits: .standard, sealOverhead: SealedFrame.overhead)
        let largest = 1_400 - 79 - 64 - SealedFrame.overhead
        #expect(framing.channel(forBodyBytes: largest) == .gossipDatagram)
        #expect(framing.channel(forBodyBytes: largest + 1) == .stream)
    }

    @Test(
        "an announcement answer with the most members, IPv6 addresses and the largest certificate fits a sealed datagram"
    )
    func announcementFits() throws {
        let address = MemberAddress(
            host: .ipv6(high: .max, low: .max), gossipPort: 65_535, clientPort: 65_535)
        let members = (0..<Announcement.maxMembersInReply).map {
            MemberUpdate(
                id: NodeID(high: UInt64($0), low: 1), address: address, incarnation: .max, state: .suspect)
        }
        let body = try Announcement(
            certificate: [UInt8](repeating: 1, count: 250), address: address, wantsReply: true,
            members: members
        ).encoded()
        #expect(
            EnvelopeHeader.encodedLength + body.count + Envelope.signatureByteCount + SealedFrame.overhead
                <= 1_400)
    }
}
