import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// The crypto layer plugged into the core's envelope: what a node will actually run.
@Suite("Envelopes signed with Ed25519 and checked against certificates")
struct EnvelopeAuthenticationTests {
    let cluster = Fixture.cluster(1)
    let alice = Fixture.node(20)
    let bob = Fixture.node(21)
    let message = GossipMessage.syncSummary(SyncSummary(digestHash: 7, stateHash: 9))

    func header(sequence: UInt64 = 1, recipient: NodeID? = nil) -> EnvelopeHeader {
        EnvelopeHeader(
            kind: .syncSummary, cluster: cluster.clusterID.rawValue, sender: alice.nodeID,
            recipient: recipient ?? bob.nodeID, bootEpoch: HLCTimestamp(rawValue: 1_000),
            channel: .gossipDatagram,
            sequence: sequence, hlc: HLCTimestamp(physical: Fixture.now, logical: 0))
    }

    func bobsVerifier() throws -> CertificateVerifier {
        var verifier = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        let certificate = try NodeCertificate.issue(
            nodePublicKey: alice.publicKey, name: "alice", by: cluster, now: Fixture.now)
        #expect(verifier.admit(certificate, now: Fixture.now) == .valid)
        return verifier
    }

    @Test("an envelope sealed by a certified sender opens; one flipped bit anywhere does not")
    func sealAndOpen() throws {
        let frame = try Envelope.seal(
            header: header(), message: message, signer: Ed25519Signer(keyPair: alice))
        let verifier = try bobsVerifier()
        var opener = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: bob.nodeID)
        guard case let .success(opened) = opener.open(frame, maxBytes: 1400, verifier: verifier) else {
            Issue.record("a genuine envelope was rejected")
            return
        }
        #expect(opened.message == message)
        for altered in Fixture.everyBitFlip(of: frame) {
            var fresh = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: bob.nodeID)
            if case .success = fresh.open(altered, maxBytes: 1400, verifier: verifier) {
                Issue.record("a tampered envelope opened")
            }
        }
    }

    @Test("a sender without an admitted certificate is unknown, and so is one whose certificate expired")
    func unknownSenders() throws {
        let frame = try Envelope.seal(
            header: header(), message: message, signer: Ed25519Signer(keyPair: alice))
        var opener = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: bob.nodeID)
        let empty = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        #expect(empty.authenticatorLength(sender: alice.nodeID) == nil)
        guard
            case .failure(.unknownSender(alice.nodeID)) = opener.open(frame, maxBytes: 1400, verifier: empty)
        else {
            Issue.record("an unknown sender was not reported as such")
            return
        }
        var verifier = try bobsVerifier()
        #expect(verifier.removeExpired(now: Fixture.now) == [])
        #expect(
            verifier.removeExpired(now: Fixture.now + NodeCertificate.defaultValidityMilliseconds + 1) == [
                alice.nodeID
            ])
        #expect(verifier.authenticatorLength(sender: alice.nodeID) == nil)
    }

    @Test("a certificate from another cluster or an impostor is not admitted")
    func admission() throws {
        var verifier = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        let foreign = try NodeCertificate.issue(
            nodePublicKey: alice.publicKey, name: "alice", by: Fixture.cluster(2), now: Fixture.now)
        #expect(
            verifier.admit(foreign, now: Fixture.now)
                == .wrongCluster(certificate: Fixture.cluster(2).clusterID, expected: cluster.clusterID))
        let selfSigned = try NodeCertificate.selfSigned(by: alice, name: "alice", now: Fixture.now)
        #expect(!verifier.admit(selfSigned, now: Fixture.now).isValid)
        #expect(verifier.senders.isEmpty)

        var open = CertificateVerifier(authority: .open)
        #expect(open.admit(selfSigned, now: Fixture.now) == .valid)
        #expect(open.authenticatorLength(sender: alice.nodeID) == 64)
    }

    @Test("a signature for one recipient does not open at another")
    func recipientBound() throws {
        let frame = try Envelope.seal(
            header: header(), message: message, signer: Ed25519Signer(keyPair: alice))
        // Re-address the frame to Carol: the recipient field is signed.
        let carol = Fixture.node(22)
        let recipientOffset = 1 + 1 + 16 + 16
        var readdressed = frame
        readdressed.replaceSubrange(recipientOffset..<(recipientOffset + 16), with: carol.nodeID.bytes)
        var opener = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: carol.nodeID)
        guard
            case .failure(.badSignature) = opener.open(
                readdressed, maxBytes: 1400, verifier: try bobsVerifier())
        else {
            Issue.record("a re-addressed envelope was not rejected for its signature")
            return
        }
    }
}
