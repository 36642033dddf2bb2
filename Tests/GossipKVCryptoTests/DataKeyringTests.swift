import Foundation
import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// Sealing and opening gossip under the cluster's data keys (issue 13, item 1).
@Suite("Data keys and the keyring")
struct DataKeyringTests {
    static func key(_ byte: UInt8) -> DataKey {
        do { return try DataKey(secret: Fixture.seed(byte)) } catch { fatalError("fixture key: \(error)") }
    }

    static let envelope = Array("an envelope, signed already".utf8)

    @Test("a frame sealed under the primary opens to the same bytes on any holder of that key")
    func roundTrip() throws {
        let keyring = DataKeyring(primary: Self.key(1))
        let sealed = keyring.seal(Self.envelope)
        #expect(sealed.count == Self.envelope.count + SealedFrame.overhead)
        #expect(sealed.first == SealedFrame.marker)
        let other = DataKeyring(primary: Self.key(1))
        #expect(try other.open(sealed[...], maxBytes: 1_400).get() == Self.envelope)
    }

    @Test("the envelope does not appear in the sealed frame, and two seals of it differ (random nonce)")
    func ciphertextHidesTheEnvelope() {
        let keyring = DataKeyring(primary: Self.key(1))
        let first = keyring.seal(Self.envelope)
        let second = keyring.seal(Self.envelope)
        #expect(first != second)
        let needle = Array("signed".utf8)
        #expect(!first.indices.contains { index in first[index...].starts(with: needle) })
    }

    @Test("a frame under a key that is not installed is refused by its id, naming the id")
    func unknownKeyIsRefused() {
        let sealed = DataKeyring(primary: Self.key(1)).seal(Self.envelope)
        let stranger = DataKeyring(primary: Self.key(2))
        #expect(stranger.open(sealed[...], maxBytes: 1_400) == .failure(.unknownKey(Self.key(1).id)))
        #expect(SealRejection.unknownKey(Self.key(1).id).label == "unknown_key")
    }

    @Test("a flipped bit anywhere, the key id and marker included, makes the frame refused")
    func tamperingIsRefused() {
        let keyring = DataKeyring(primary: Self.key(1))
        let sealed = keyring.seal(Self.envelope)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            let result = keyring.open(tampered[...], maxBytes: 1_400)
            #expect((try? result.get()) == nil, "byte \(index) flipped still opened")
        }
    }

    @Test("after install, use and remove, frames under the removed key are refused and the new key seals")
    func rotation() throws {
        var keyring = DataKeyring(primary: Self.key(1))
        let old = keyring.seal(Self.envelope)
        #expect(try keyring.install(Self.key(2)))
        #expect(try !keyring.install(Self.key(2)))  // installed already
        try keyring.use(Self.key(2).id)
        let new = keyring.seal(Self.envelope)
        #expect(SealedFrame.parse(new[...], maxBytes: 1_400).map(\.keyID) == .success(Self.key(2).id))
        #expect(try keyring.open(old[...], maxBytes: 1_400).get() == Self.envelope)  // still installed
        try keyring.remove(Self.key(1).id)
        #expect(keyring.open(old[...], maxBytes: 1_400) == .failure(.unknownKey(Self.key(1).id)))
        #expect(try keyring.open(new[...], maxBytes: 1_400).get() == Self.envelope)
    }

    @Test("the primary cannot be removed, and an unknown key can be neither used nor removed")
    func refusedChanges() {
        var keyring = DataKeyring(primary: Self.key(1))
        #expect(throws: KeyringError.removingPrimary(Self.key(1).id)) { try keyring.remove(Self.key(1).id) }
        #expect(throws: KeyringError.unknownKey(Self.key(3).id)) { try keyring.use(Self.key(3).id) }
        #expect(throws: KeyringError.unknownKey(Self.key(3).id)) { try keyring.remove(Self.key(3).id) }
    }

    @Test("plain envelopes, short frames, unknown markers and oversize frames get their own rejection")
    func layoutRejections() {
        let keyring = DataKeyring(primary: Self.key(1))
        #expect(keyring.open([Envelope.currentVersion, 0, 0][...], maxBytes: 1_400) == .failure(.notSealed))
        #expect(keyring.open([][...], maxBytes: 1_400) == .failure(.truncated(size: 0)))
        #expect(
            keyring.open([SealedFrame.marker, 1, 2][...], maxBytes: 1_400) == .failure(.truncated(size: 3)))
        #expect(keyring.open([0x42][...], maxBytes: 1_400) == .failure(.unknownMarker(0x42)))
        let big = keyring.seal([UInt8](repeating: 7, count: 1_400))
        #expect(keyring.open(big[...], maxBytes: 1_400) == .failure(.oversize(size: big.count, limit: 1_400)))
    }

    @Test("every holder of the cluster key derives the same data key, and other clusters another")
    func derivedFromTheClusterSecret() {
        #expect(Fixture.cluster(1).dataKey.id == Fixture.cluster(1).dataKey.id)
        #expect(Fixture.cluster(1).dataKey.id != Fixture.cluster(2).dataKey.id)
        #expect(Fixture.cluster(1).dataKey.id != Self.key(1).id)
    }

    @Test("the keyring file keeps the keys and the primary, mode 0600, and a malformed one is refused")
    func keyringFile() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        let path = directory + "/keyring"
        #expect(try DataKeyring.read(from: path) == nil)
        var keyring = DataKeyring(primary: Self.key(1))
        try keyring.install(Self.key(2))
        try keyring.use(Self.key(2).id)
        try keyring.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let read = try #require(try DataKeyring.read(from: path))
        #expect(read.ids == [Self.key(1).id, Self.key(2).id])
        #expect(read.primaryID == Self.key(2).id)
        for bad in [
            "", "gossipkv keyring v1\n", "gossipkv keyring v1\nkey AAAA\n",
            "gossipkv keyring v1\nprimary !!\n",
        ] {
            #expect(throws: KeyringError.self) { try DataKeyring.decodeFile(Array(bad.utf8), origin: "test") }
        }
    }

    @Test("a data key file round-trips through the key file format")
    func dataKeyFile() throws {
        let directory = Fixture.temporaryDirectory()
        defer { Fixture.removeDirectory(directory) }
        try KeyFile.write(secret: Self.key(4), to: directory + "/data.key")
        #expect(try KeyFile.readDataKey(from: directory + "/data.key").id == Self.key(4).id)
    }
}
