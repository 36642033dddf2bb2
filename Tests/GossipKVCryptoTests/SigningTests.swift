import GossipKVCore
import Testing

@testable import GossipKVCrypto

@Suite("Ed25519 signing with domain separation")
struct SigningTests {
    let node = Fixture.node(7)
    let message = Array("digest of node 7, boot epoch 42, sequence 9".utf8)

    @Test("a signature verifies under the signer's key, context and bytes")
    func roundTrip() {
        let signature = node.sign(message[...], context: .message)
        #expect(signature.count == 64)
        #expect(node.publicKey.isValidSignature(signature[...], over: message[...], context: .message))
    }

    @Test("any flipped bit in the signature or the message is rejected")
    func flippedBits() {
        let signature = node.sign(message[...], context: .message)
        for forged in Fixture.everyBitFlip(of: signature) {
            #expect(!node.publicKey.isValidSignature(forged[...], over: message[...], context: .message))
        }
        for altered in Fixture.everyBitFlip(of: message) {
            #expect(!node.publicKey.isValidSignature(signature[...], over: altered[...], context: .message))
        }
    }

    @Test("a signature made for one context is rejected in every other")
    func contextSeparation() {
        let contexts: [SigningContext] = [
            .message, .certificate, .handshake, SigningContext("gossipkv-msg-v2"),
        ]
        for signing in contexts {
            let signature = node.sign(message[...], context: signing)
            for checking in contexts {
                #expect(
                    node.publicKey.isValidSignature(signature[...], over: message[...], context: checking)
                        == (signing == checking))
            }
        }
    }

    @Test("another node's key, a truncated or an empty signature is rejected")
    func wrongKeyAndLengths() {
        let signature = node.sign(message[...], context: .message)
        #expect(
            !Fixture.node(8).publicKey.isValidSignature(signature[...], over: message[...], context: .message)
        )
        #expect(!node.publicKey.isValidSignature(signature.dropLast(), over: message[...], context: .message))
        #expect(
            !node.publicKey.isValidSignature((signature + [0])[...], over: message[...], context: .message))
        #expect(!node.publicKey.isValidSignature([], over: message[...], context: .message))
    }

    @Test("the signed digest is BLAKE2b-512(u64 label length, label, bytes): a vector computed independently")
    func knownSignature() throws {
        let keys = try Fixture.rfc8032Keys()
        #expect(keys.publicKey.bytes == Fixture.rfc8032PublicKey)
        let signature = keys.sign(Array("hello gossip".utf8)[...], context: .message)
        // Computed with Python's `cryptography` and `hashlib`, not with libsodium.
        #expect(
            Fixture.hex(signature)
                == "61f502c0ce73cfecff66c9f07781576c906c023acc9975d672d4f100d62a29f1"
                + "b58db637e6a4cb065fdb2d1d89662405ddc7f3c967f5910013c5151b370d0905")
    }

    @Test("a node id is the first 16 bytes of BLAKE2b-256 of the public key (pinned vector)")
    func nodeIDVector() throws {
        let keys = try Fixture.rfc8032Keys()
        #expect(Fixture.hex(keys.nodeID.bytes) == "7849ac3049680be1ef762efe0d36e017")
        #expect(keys.nodeID == NodeID(publicKey: keys.publicKey))
        let again = try Fixture.rfc8032Keys()
        #expect(again.nodeID == keys.nodeID)
    }

    @Test("the open cluster id is BLAKE2b-256 of \"gossipkv-open-cluster:default\", truncated")
    func openClusterVector() {
        #expect(Fixture.hex(ClusterID.open.bytes) == "81a2b67344f1286661769c37e337e1ff")
        #expect(ClusterID.open.description == "default")
        #expect(Fixture.cluster(1).clusterID != .open)
    }

    @Test("a seed survives the round trip through a key pair, and generated keys differ")
    func seeds() throws {
        let generated = NodeKeyPair.generate()
        let restored = try NodeKeyPair(seed: generated.seed)
        #expect(restored.publicKey == generated.publicKey)
        #expect(NodeKeyPair.generate().publicKey != generated.publicKey)
        #expect(throws: KeyError.wrongSeedLength(31)) {
            var short = [UInt8](repeating: 1, count: 31)
            _ = try NodeKeyPair(seed: SecretBytes(consuming: &short))
        }
    }

    @Test("secrets never print")
    func redaction() {
        let secret = Fixture.seed(0x41)
        #expect("\(secret)" == "SecretBytes(32 bytes, redacted)")
        #expect(!String(reflecting: node).contains("41"))
        #expect("\(node)".contains("redacted"))
    }

    @Test("a secret made from an array wipes the array")
    func consumingWipes() {
        var bytes = [UInt8](repeating: 0x5A, count: 32)
        let secret = SecretBytes(consuming: &bytes)
        #expect(bytes == [UInt8](repeating: 0, count: 32))
        #expect(secret.withUnsafeBytes { Array($0) } == [UInt8](repeating: 0x5A, count: 32))
    }

    @Test("constant-time comparison agrees with ==")
    func constantTime() {
        #expect(Sodium.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Sodium.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Sodium.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(Sodium.constantTimeEquals([], []))
        #expect(Fixture.seed(1).constantTimeEquals(Fixture.seed(1)))
        #expect(!Fixture.seed(1).constantTimeEquals(Fixture.seed(2)))
    }
}
