import GossipKVCore
import Testing

@testable import GossipKVCrypto

@Suite("Per-pair MAC keys")
struct PairKeyTests {
    let alice = Fixture.node(10)
    let bob = Fixture.node(11)
    let message = Array("ping from a to b, incarnation 3".utf8)

    func pair(session: [UInt8] = []) throws -> (aliceKey: PairKey, bobKey: PairKey) {
        (
            try PairKey(local: alice, remote: bob.publicKey, session: session),
            try PairKey(local: bob, remote: alice.publicKey, session: session)
        )
    }

    @Test("both sides agree: each one's send key is the other's receive key")
    func agreement() throws {
        let (aliceKey, bobKey) = try pair()
        #expect(aliceKey.sendKey.constantTimeEquals(bobKey.receiveKey))
        #expect(aliceKey.receiveKey.constantTimeEquals(bobKey.sendKey))
        #expect(!aliceKey.sendKey.constantTimeEquals(aliceKey.receiveKey))
        #expect(aliceKey.remote == bob.nodeID && bobKey.remote == alice.nodeID)
    }

    @Test("a MAC made by one side verifies on the other, in both directions")
    func macsVerifyAcross() throws {
        let (aliceKey, bobKey) = try pair()
        let aliceSigner = PairMACSigner(keys: [aliceKey])
        let bobVerifier = PairMACVerifier(keys: [bobKey])
        let tag = aliceSigner.authenticator(for: message, recipient: bob.nodeID)
        #expect(tag.count == 16 && aliceSigner.authenticatorLength == 16)
        #expect(bobVerifier.authenticatorLength(sender: alice.nodeID) == 16)
        #expect(bobVerifier.verify(tag[...], over: message[...], sender: alice.nodeID))

        let reply = PairMACSigner(keys: [bobKey]).authenticator(for: message, recipient: alice.nodeID)
        #expect(PairMACVerifier(keys: [aliceKey]).verify(reply[...], over: message[...], sender: bob.nodeID))
    }

    @Test("flipped bits, a reflected MAC, another session and unknown senders are rejected")
    func rejections() throws {
        let (aliceKey, bobKey) = try pair()
        let tag = PairMACSigner(keys: [aliceKey]).authenticator(for: message, recipient: bob.nodeID)
        let bobVerifier = PairMACVerifier(keys: [bobKey])
        for forged in Fixture.everyBitFlip(of: tag) {
            #expect(!bobVerifier.verify(forged[...], over: message[...], sender: alice.nodeID))
        }
        for altered in Fixture.everyBitFlip(of: message) {
            #expect(!bobVerifier.verify(tag[...], over: altered[...], sender: alice.nodeID))
        }
        // Alice's own MAC sent back to her as if from Bob.
        #expect(!PairMACVerifier(keys: [aliceKey]).verify(tag[...], over: message[...], sender: bob.nodeID))
        let (_, restartedBob) = try pair(
            session: PairKey.session(
                local: alice.nodeID, localBootEpoch: 1, remote: bob.nodeID, remoteBootEpoch: 2))
        #expect(
            !PairMACVerifier(keys: [restartedBob]).verify(tag[...], over: message[...], sender: alice.nodeID))
        #expect(bobVerifier.authenticatorLength(sender: Fixture.node(12).nodeID) == nil)
        #expect(!bobVerifier.verify(tag[...], over: message[...], sender: Fixture.node(12).nodeID))
        #expect(!bobVerifier.verify(tag.dropLast(), over: message[...], sender: alice.nodeID))
    }

    @Test("session bytes are the same from both sides")
    func sessionSymmetry() throws {
        let fromAlice = PairKey.session(
            local: alice.nodeID, localBootEpoch: 5, remote: bob.nodeID, remoteBootEpoch: 9)
        let fromBob = PairKey.session(
            local: bob.nodeID, localBootEpoch: 9, remote: alice.nodeID, remoteBootEpoch: 5)
        #expect(fromAlice == fromBob)
        let (aliceKey, bobKey) = try pair(session: fromAlice)
        #expect(aliceKey.sendKey.constantTimeEquals(bobKey.receiveKey))
    }

    @Test("a signer without a key for the recipient says so, and its placeholder never verifies")
    func unknownRecipient() throws {
        let (aliceKey, bobKey) = try pair()
        let signer = PairMACSigner(keys: [aliceKey])
        let carol = Fixture.node(12)
        #expect(signer.canAuthenticate(for: bob.nodeID))
        #expect(!signer.canAuthenticate(for: carol.nodeID))
        let placeholder = signer.authenticator(for: message, recipient: carol.nodeID)
        #expect(
            !PairMACVerifier(keys: [bobKey]).verify(
                placeholder[...], over: message[...], sender: alice.nodeID))
    }

    @Test("pairing with oneself or with a small-order key is refused")
    func badPairs() throws {
        #expect(throws: KeyError.pairWithSelf) { try PairKey(local: alice, remote: alice.publicKey) }
        // The identity point: a valid encoding of small order.
        var identity = [UInt8](repeating: 0, count: 32)
        identity[0] = 1
        #expect(throws: KeyError.unusablePublicKey) {
            try PairKey(local: alice, remote: SigningPublicKey(bytes: identity))
        }
    }
}
