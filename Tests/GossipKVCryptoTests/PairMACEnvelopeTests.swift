import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// SWIM messages closed with a per-pair MAC instead of a signature: the keyring as the node
/// runs it, through the real envelope opener.
@Suite("SWIM envelopes authenticated with per-pair MACs")
struct PairMACEnvelopeTests {
    let cluster = Fixture.cluster(3)
    let alice = Fixture.node(30)
    let bob = Fixture.node(31)
    let carol = Fixture.node(32)
    static let aliceBootEpoch: UInt64 = 1_000
    static let bobBootEpoch: UInt64 = 2_000
    static let carolBootEpoch: UInt64 = 3_000
    let ping = SWIMMessage.ping(sequence: 9, updates: [], summary: SyncSummary(digestHash: 1, stateHash: 2))

    /// `owner`'s verifier, with pair keys for its run `bootEpoch`, having admitted `others`.
    func verifier(_ owner: NodeKeyPair, bootEpoch: UInt64, admitting others: [NodeKeyPair]) throws
        -> CertificateVerifier
    {
        var verifier = CertificateVerifier(
            authority: .closed(clusterPublicKey: cluster.publicKey),
            pairKeys: PairKeyring(local: owner, bootEpoch: bootEpoch))
        for node in [owner] + others {
            let certificate = try NodeCertificate.issue(
                nodePublicKey: node.publicKey, name: "n", by: cluster, now: Fixture.now)
            #expect(verifier.admit(certificate, now: Fixture.now) == .valid)
        }
        return verifier
    }

    func header(
        kind: MessageKind = .ping, sender: NodeKeyPair? = nil, bootEpoch: UInt64 = aliceBootEpoch,
        sequence: UInt64 = 1
    ) -> EnvelopeHeader {
        EnvelopeHeader(
            kind: kind, cluster: cluster.clusterID.rawValue, sender: (sender ?? alice).nodeID,
            recipient: bob.nodeID, bootEpoch: HLCTimestamp(rawValue: bootEpoch), channel: .gossipDatagram,
            sequence: sequence, hlc: HLCTimestamp(physical: Fixture.now, logical: 0))
    }

    func bobsOpener() -> EnvelopeOpener {
        EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: bob.nodeID)
    }

    /// Alice's ping to Bob under their pair key, for Bob's run `bobBootEpoch`.
    func macedPing(sequence: UInt64 = 1, bobBootEpoch: UInt64 = bobBootEpoch) throws -> [UInt8] {
        let aliceVerifier = try verifier(alice, bootEpoch: Self.aliceBootEpoch, admitting: [bob])
        let signer = try #require(
            aliceVerifier.pairKeys?.signer(for: bob.nodeID, recipientBootEpoch: bobBootEpoch))
        return try Envelope.seal(header: header(sequence: sequence), message: ping, signer: signer)
    }

    @Test("a MACed ping opens at its recipient, 48 bytes shorter than a signed one; both ways work")
    func validMAC() throws {
        let bobVerifier = try verifier(bob, bootEpoch: Self.bobBootEpoch, admitting: [alice])
        let frame = try macedPing()
        let signed = try Envelope.seal(
            header: header(sequence: 2), message: ping, signer: Ed25519Signer(keyPair: alice))
        #expect(signed.count - frame.count == 48)
        var opener = bobsOpener()
        let opened = try opener.authenticate(frame[...], maxBytes: 1_400, verifier: bobVerifier).get()
        #expect(try SWIMMessage.decodeBody(kind: opened.header.kind, opened.body) == ping)
        // A signature still opens on a SWIM kind: a sender without the pair key signs.
        #expect(throws: Never.self) {
            try opener.authenticate(signed[...], maxBytes: 1_400, verifier: bobVerifier).get()
        }
        // And Bob's ack back to Alice verifies under the other direction's key.
        let bobSigner = try #require(
            bobVerifier.pairKeys?.signer(for: alice.nodeID, recipientBootEpoch: Self.aliceBootEpoch))
        let ackHeader = EnvelopeHeader(
            kind: .ack, cluster: cluster.clusterID.rawValue, sender: bob.nodeID, recipient: alice.nodeID,
            bootEpoch: HLCTimestamp(rawValue: Self.bobBootEpoch), channel: .gossipDatagram, sequence: 1,
            hlc: HLCTimestamp(physical: Fixture.now, logical: 0))
        let ack = try Envelope.seal(
            header: ackHeader, message: .ack(sequence: 9, updates: [], summary: nil), signer: bobSigner)
        var aliceOpener = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: alice.nodeID)
        let aliceVerifier = try verifier(alice, bootEpoch: Self.aliceBootEpoch, admitting: [bob])
        #expect(throws: Never.self) {
            try aliceOpener.authenticate(ack[...], maxBytes: 1_400, verifier: aliceVerifier).get()
        }
    }

    @Test(
        "a MAC with any bit flipped, or over a changed byte, is refused (bad_mac for body and MAC) and moves no window"
    )
    func tamperedMAC() throws {
        let bobVerifier = try verifier(bob, bootEpoch: Self.bobBootEpoch, admitting: [alice])
        let frame = try macedPing()
        var opener = bobsOpener()
        for (index, altered) in Fixture.everyBitFlip(of: frame).enumerated() {
            let verdict = opener.authenticate(altered[...], maxBytes: 1_400, verifier: bobVerifier)
            if index / 8 >= EnvelopeHeader.encodedLength {
                // The body or the MAC: the lengths still add up, and the MAC check fails.
                #expect(verdict.failure == .badPairMAC)
            } else {
                #expect(verdict.failure != nil)
            }
        }
        #expect(EnvelopeRejection.badPairMAC.label == "bad_mac")
        // None of the forgeries took the genuine frame's sequence number.
        #expect(throws: Never.self) {
            try opener.authenticate(frame[...], maxBytes: 1_400, verifier: bobVerifier).get()
        }
    }

    @Test("a MAC under another pair's key, or for an earlier run of the recipient, is refused")
    func wrongPair() throws {
        let bobVerifier = try verifier(bob, bootEpoch: Self.bobBootEpoch, admitting: [alice, carol])
        // Carol MACs with her key for Bob but claims to be Alice.
        let carolVerifier = try verifier(carol, bootEpoch: Self.carolBootEpoch, admitting: [bob])
        let carolSigner = try #require(
            carolVerifier.pairKeys?.signer(for: bob.nodeID, recipientBootEpoch: Self.bobBootEpoch))
        let posing = try Envelope.seal(header: header(), message: ping, signer: carolSigner)
        var opener = bobsOpener()
        #expect(
            opener.authenticate(posing[...], maxBytes: 1_400, verifier: bobVerifier).failure == .badPairMAC)
        // Alice's MAC made for a run of Bob's before his restart.
        let stale = try macedPing(sequence: 2, bobBootEpoch: Self.bobBootEpoch - 1)
        #expect(
            opener.authenticate(stale[...], maxBytes: 1_400, verifier: bobVerifier).failure == .badPairMAC)
        // Alice's MAC checked under another boot epoch of hers (the header's is covered).
        var claimsOtherRun = try macedPing(sequence: 3)
        claimsOtherRun[1 + 1 + 3 * NodeID.byteCount + 7] ^= 1
        #expect(
            opener.authenticate(claimsOtherRun[...], maxBytes: 1_400, verifier: bobVerifier).failure
                == .badPairMAC)
    }

    @Test("a replayed MACed ping is refused by the replay window")
    func replay() throws {
        let bobVerifier = try verifier(bob, bootEpoch: Self.bobBootEpoch, admitting: [alice])
        let frame = try macedPing()
        var opener = bobsOpener()
        #expect(throws: Never.self) {
            try opener.authenticate(frame[...], maxBytes: 1_400, verifier: bobVerifier).get()
        }
        #expect(
            opener.authenticate(frame[...], maxBytes: 1_400, verifier: bobVerifier).failure
                == .replay(.duplicate))
    }

    @Test("a MAC is taken only on SWIM kinds, and only from a sender we share a pair secret with")
    func onlyWherePaired() throws {
        let bobVerifier = try verifier(bob, bootEpoch: Self.bobBootEpoch, admitting: [alice])
        let aliceVerifier = try verifier(alice, bootEpoch: Self.aliceBootEpoch, admitting: [bob])
        let signer = try #require(
            aliceVerifier.pairKeys?.signer(for: bob.nodeID, recipientBootEpoch: Self.bobBootEpoch))
        var opener = bobsOpener()
        let summary = try Envelope.seal(
            header: header(kind: .syncSummary),
            message: .syncSummary(SyncSummary(digestHash: 1, stateHash: 2)),
            signer: signer)
        #expect(
            opener.authenticate(summary[...], maxBytes: 1_400, verifier: bobVerifier).failure?.label
                == "malformed")
        // A verifier without pair keys takes signatures only.
        var signaturesOnly = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        signaturesOnly.admit(
            try NodeCertificate.issue(
                nodePublicKey: alice.publicKey, name: "alice", by: cluster, now: Fixture.now),
            now: Fixture.now)
        let frame = try macedPing()
        #expect(
            opener.authenticate(frame[...], maxBytes: 1_400, verifier: signaturesOnly).failure?.label
                == "malformed")
        // Once Alice is removed (left, expired, revoked), so is the pair secret.
        var forgetful = bobVerifier
        forgetful.remove(alice.nodeID)
        #expect(forgetful.pairKeys?.contains(alice.nodeID) == false)
        #expect(
            opener.authenticate(frame[...], maxBytes: 1_400, verifier: forgetful).failure
                == .unknownSender(alice.nodeID))
        // Our own certificate gives no pair secret.
        #expect(bobVerifier.pairKeys?.contains(bob.nodeID) == false && bobVerifier.pairKeys?.count == 1)
    }
}

extension Result {
    /// The failure, or nil on success.
    fileprivate var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
