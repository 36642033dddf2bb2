import GossipKVCore
import Testing

@testable import GossipKVCrypto

/// Argon2id MODERATE takes seconds and 256 MiB per derivation, so this suite runs serially,
/// derives one key at that cost (the vector that pins the production parameters) and the rest at
/// `PassphraseCost.testing`.
@Suite("Cluster key from a passphrase", .serialized)
struct PassphraseTests {
    static func derive(_ words: String, _ name: String) throws -> ClusterKeyPair {
        try ClusterKeyPair(passphrase: words, clusterName: name, cost: .testing)
    }

    @Test("the production derivation is Argon2id MODERATE; a vector computed with argon2-cffi")
    func moderateVector() throws {
        let key = try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: "prod")
        // Computed independently: argon2-cffi hash_secret_raw(time_cost=3, memory_cost=262144,
        // parallelism=1, Argon2id v19) with salt BLAKE2b-256("gossipkv-salt:prod")[0..<16], then
        // the Ed25519 public key of that seed with Python's `cryptography`.
        #expect(
            Fixture.hex(key.seed.withUnsafeBytes { Array($0) })
                == "a516fc339636032ad8616b2b51f7959bc782ee2f76eddea9ef6aa7bb95a8faf7")
        #expect(
            Fixture.hex(key.publicKey.bytes)
                == "4b73f05a91e4d3908685985d859164ed8fc7390092ac80a5f9d3b9be7d1b3f8d")
        #expect(Fixture.hex(key.clusterID.bytes) == "f6c85449033969c0cd43497c7ee38830")
    }

    @Test("the same words and cluster name give the same key")
    func sameWordsSameKey() throws {
        let first = try Self.derive("correct horse battery staple", "prod")
        let second = try Self.derive("correct horse battery staple", "prod")
        #expect(first.publicKey == second.publicKey)
    }

    @Test("another cluster name or other words give another key")
    func differentInputs() throws {
        let base = try Self.derive("correct horse battery staple", "prod")
        let otherName = try Self.derive("correct horse battery staple", "staging")
        let otherWords = try Self.derive("correct horse battery stapler", "prod")
        #expect(otherName.publicKey != base.publicKey)
        #expect(otherWords.publicKey != base.publicKey)
    }

    @Test("composed and decomposed spellings of the same words give the same key")
    func unicodeNormalization() throws {
        let composed = try Self.derive("caf\u{E9} cr\u{E8}me", "r\u{E9}seau")
        let decomposed = try Self.derive("cafe\u{301} cre\u{300}me", "re\u{301}seau")
        #expect(composed.publicKey == decomposed.publicKey)
    }

    @Test("an empty passphrase is refused")
    func empty() {
        #expect(throws: KeyError.emptyPassphrase) { try Self.derive("", "prod") }
    }

    @Test("a passphrase cluster named default, in any case, or with no name is refused before Argon2id runs")
    func defaultNameRefused() {
        // At the production cost: a refusal that came after the derivation would take seconds.
        for name in ["default", "Default", " DEFAULT\n"] {
            #expect(throws: KeyError.defaultClusterName) {
                try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: name)
            }
        }
        for name in ["", "  "] {
            #expect(throws: KeyError.clusterNameRequired) {
                try ClusterKeyPair(passphrase: "correct horse battery staple", clusterName: name)
            }
        }
        #expect(KeyError.defaultClusterName.description.contains("--cluster-name"))
    }

    @Test("the salt is the first 16 bytes of BLAKE2b-256(\"gossipkv-salt:\" + name)")
    func salt() {
        #expect(
            Fixture.hex(ClusterKeyPair.passphraseSalt(clusterName: "prod"))
                == "33882693517726a9d670d92c1255da9c")
    }
}
