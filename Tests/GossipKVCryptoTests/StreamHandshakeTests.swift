import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// The handshake that opens every gossip stream, signed and checked with real keys.
@Suite("stream handshakes")
struct StreamHandshakeTests {
    let cluster = Fixture.cluster(1)
    let alice = Fixture.node(30)
    let bob = Fixture.node(31)
    let mallory = Fixture.node(32)

    func bobsAcceptor() -> StreamHandshakeAcceptor {
        StreamHandshakeAcceptor(cluster: cluster.clusterID.rawValue, localNode: bob.nodeID)
    }

    func bobsVerifier() throws -> CertificateVerifier {
        var verifier = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        let certificate = try NodeCertificate.issue(
            nodePublicKey: alice.publicKey, name: "alice", by: cluster, now: Fixture.now)
        #expect(verifier.admit(certificate, now: Fixture.now) == .valid)
        return verifier
    }

    func handshake(from keys: NodeKeyPair? = nil, to recipient: NodeID? = nil, sequence: UInt64 = 1) throws
        -> [UInt8]
    {
        try StreamHandshake.signed(
            cluster: cluster.clusterID.rawValue, recipient: recipient ?? bob.nodeID,
            bootEpoch: HLCTimestamp(rawValue: 5),
            sequence: sequence, keyPair: keys ?? alice
        ).encoded()
    }

    @Test("an admitted member's handshake names it; a replay of it does not open a second stream")
    func acceptsOnceEach() throws {
        var acceptor = bobsAcceptor()
        let verifier = try bobsVerifier()
        let first = try handshake()
        #expect(acceptor.accept(first[...], verifier: verifier) == .success(alice.nodeID))
        #expect(acceptor.accept(first[...], verifier: verifier) == .failure(.replay(.duplicate)))
        #expect(
            acceptor.accept(try handshake(sequence: 2)[...], verifier: verifier) == .success(alice.nodeID))
    }

    @Test("a stranger, another recipient, another cluster, a flipped bit and garbage are each refused")
    func refusals() throws {
        var acceptor = bobsAcceptor()
        let verifier = try bobsVerifier()
        #expect(
            acceptor.accept(try handshake(from: mallory)[...], verifier: verifier) == .failure(.unknownSender)
        )
        #expect(
            acceptor.accept(try handshake(to: alice.nodeID)[...], verifier: verifier)
                == .failure(.wrongRecipient))
        let foreign = try StreamHandshake.signed(
            cluster: Fixture.cluster(2).clusterID.rawValue, recipient: bob.nodeID,
            bootEpoch: HLCTimestamp(rawValue: 5),
            sequence: 1, keyPair: alice
        ).encoded()
        #expect(acceptor.accept(foreign[...], verifier: verifier) == .failure(.wrongCluster))
        var tampered = try handshake(sequence: 3)
        tampered[StreamHandshake.signedLength - 1] ^= 1
        #expect(acceptor.accept(tampered[...], verifier: verifier) == .failure(.badSignature))
        // The forged one moved no window: the genuine handshake with that sequence still opens.
        #expect(
            acceptor.accept(try handshake(sequence: 3)[...], verifier: verifier) == .success(alice.nodeID))
        guard case .failure(.malformed) = acceptor.accept([1, 2, 3][...], verifier: verifier) else {
            Issue.record("garbage was not refused as malformed")
            return
        }
    }

    @Test("a handshake signature is worthless as an envelope signature and vice versa")
    func domainSeparated() throws {
        let handshake = StreamHandshake.signed(
            cluster: cluster.clusterID.rawValue, recipient: bob.nodeID, bootEpoch: HLCTimestamp(rawValue: 5),
            sequence: 1,
            keyPair: alice)
        #expect(handshake.isSigned(by: alice.publicKey))
        #expect(
            !alice.publicKey.isValidSignature(
                handshake.signature[...], over: handshake.signedBytes[...], context: .message))
        var reSigned = handshake
        reSigned.signature = alice.sign(handshake.signedBytes[...], context: .message)
        #expect(!reSigned.isSigned(by: alice.publicKey))
    }
}
