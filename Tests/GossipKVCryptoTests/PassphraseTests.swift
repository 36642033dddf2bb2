import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// Argon2id INTERACTIVE takes a noticeable fraction of a second and 64 MiB per derivation, so
/// this suite runs serially and derives as few keys as it can.
@Suite("Cluster key from a passphrase", .serialized)
struct PassphraseTests {
    @Test("the same words and cluster name give the same key; a vector computed with argon2-cffi")
    func sameWordsSameKey() throws {
        let first = try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: "prod")
        let second = try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: "prod")
        #expect(first.publicKey == second.publicKey)
        // Computed independently: argon2-cffi hash_secret_raw(time_cost=2, memory_cost=65536,
        // parallelism=1, Argon2id v19) with salt BLAKE2b-256("gossipkv-salt:prod")[0..<16], then
        // the Ed25519 public key of that seed with Python's `cryptography`.
        #expect(
            Fixture.hex(first.seed.withUnsafeBytes { Array($0) })
                == "401a409154b89a6bd94bedbd4634e65bff64908706c13b26901c04475d21b334")
        #expect(
            Fixture.hex(first.publicKey.bytes)
                == "db6f5c9854aaf2691f312dd8ccb840b35bf9dfcfed2553b8c1bddbdc71ac4d6d")
        #expect(Fixture.hex(first.clusterID.bytes) == "98a41ae040704e282fc6639f86dfa95c")
    }

    @Test("another cluster name or other words give another key")
    func differentInputs() throws {
        let base = try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: "prod")
        let otherName = try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: "staging")
        let otherWords = try ClusterKeyPair(passphrase: "correct horse battery stapler", clusterName: "prod")
        #expect(otherName.publicKey != base.publicKey)
        #expect(otherWords.publicKey != base.publicKey)
    }

    @Test("composed and decomposed spellings of the same words give the same key")
    func unicodeNormalization() throws {
        let composed = try ClusterKeyPair(passphrase: "caf\u{E9} cr\u{E8}me", clusterName: "r\u{E9}seau")
        let decomposed = try ClusterKeyPair(
            passphrase: "cafe\u{301} cre\u{300}me", clusterName: "re\u{301}seau")
        #expect(composed.publicKey == decomposed.publicKey)
    }

    @Test("an empty passphrase is refused")
    func empty() {
        #expect(throws: KeyError.emptyPassphrase) { try ClusterKeyPair(passphrase: "", clusterName: "prod") }
    }

    @Test("the salt is the first 16 bytes of BLAKE2b-256(\"gossipkv-salt:\" + name)")
    func salt() {
        #expect(
            Fixture.hex(ClusterKeyPair.passphraseSalt(clusterName: "prod"))
                == "33882693517726a9d670d92c1255da9c")
    }
}
