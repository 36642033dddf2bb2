import Testing

@testable import GossipKVCore

/// Resent forgeries cost a lookup, not a verification, and never block the genuine message.
@Suite("the forgery memo")
struct ForgeryMemoTests {
    /// A verifier that counts its checks (a class: the opener takes verifiers by value).
    final class CountingVerifier: MessageVerifier, @unchecked Sendable {
        let inner = Fixture.verifier
        var checks = 0
        func authenticatorLength(sender: NodeID) -> Int? { inner.authenticatorLength(sender: sender) }
        func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID) -> Bool
        {
            checks += 1
            return inner.verify(authenticator, over: bytes, sender: sender)
        }
    }

    @Test("a forged envelope with a fresh sequence number resent 1,000 times is verified once")
    func resentForgeryVerifiedOnce() throws {
        var forged = try Fixture.sealed(header: Fixture.header(sequence: 50))
        forged[forged.count - 1] ^= 0xFF
        var opener = Fixture.opener()
        let verifier = CountingVerifier()
        #expect(
            opener.authenticate(forged[...], maxBytes: 1_400, verifier: verifier).failure == .badSignature)
        for _ in 0..<1_000 {
            #expect(
                opener.authenticate(forged[...], maxBytes: 1_400, verifier: verifier).failure == .knownForgery
            )
        }
        #expect(verifier.checks == 1)
        // The forgery moved no window: the genuine envelope with the same stamp still opens.
        let genuine = try Fixture.sealed(header: Fixture.header(sequence: 50))
        #expect(throws: Never.self) {
            try opener.authenticate(genuine[...], maxBytes: 1_400, verifier: verifier).get()
        }
        #expect(verifier.checks == 2)
    }

    @Test("a genuine envelope whose body a forger tampered with first still opens")
    func tamperedCopyDoesNotBlockGenuine() throws {
        let genuine = try Fixture.sealed(header: Fixture.header(sequence: 7))
        var tampered = genuine
        tampered[EnvelopeHeader.encodedLength] ^= 0x01
        var opener = Fixture.opener()
        #expect(
            opener.authenticate(tampered[...], maxBytes: 1_400, verifier: Fixture.verifier).failure
                == .badSignature)
        #expect(
            opener.authenticate(tampered[...], maxBytes: 1_400, verifier: Fixture.verifier).failure
                == .knownForgery)
        #expect(throws: Never.self) {
            try opener.authenticate(genuine[...], maxBytes: 1_400, verifier: Fixture.verifier).get()
        }
        #expect(
            opener.authenticate(genuine[...], maxBytes: 1_400, verifier: Fixture.verifier).failure
                == .replay(.duplicate))
    }

    @Test("the memo holds at most its capacity of stamps and a few fingerprints per stamp")
    func bounded() {
        var memo = ForgeryMemo(capacity: 8)
        let stamp = { (sequence: UInt64) in
            ReplayStamp(
                sender: Fixture.alice, bootEpoch: HLCTimestamp(rawValue: 1), channel: .gossipDatagram,
                sequence: sequence)
        }
        for sequence in 0..<100 {
            memo.recordFailure([UInt8(truncatingIfNeeded: sequence)][...], stamp: stamp(UInt64(sequence)))
        }
        #expect(memo.count == 8)
        #expect(!memo.isKnownForgery([0][...], stamp: stamp(0)))
        #expect(memo.isKnownForgery([99][...], stamp: stamp(99)))
        for variant in 0..<10 { memo.recordFailure([UInt8(variant), 1][...], stamp: stamp(99)) }
        #expect(memo.isKnownForgery([9, 1][...], stamp: stamp(99)))
        #expect(!memo.isKnownForgery([0, 1][...], stamp: stamp(99)))
        #expect(memo.count == 8)
    }

    @Test("fingerprints depend on the secret key: another key does not recognise the same forgery")
    func keyed() {
        let stamp = ReplayStamp(
            sender: Fixture.alice, bootEpoch: HLCTimestamp(rawValue: 1), channel: .stream, sequence: 1)
        var first = ForgeryMemo(key0: 1, key1: 2)
        first.recordFailure([1, 2, 3][...], stamp: stamp)
        #expect(first.isKnownForgery([1, 2, 3][...], stamp: stamp))
        #expect(!first.isKnownForgery([1, 2, 4][...], stamp: stamp))
    }
}
