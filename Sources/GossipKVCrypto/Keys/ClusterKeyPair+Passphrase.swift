import CSodium
import Foundation

extension ClusterKeyPair {
    /// The salt's domain prefix; the cluster name follows it.
    public static let passphraseSaltPrefix = "gossipkv-salt:"

    /// The cluster key every holder of the same words and cluster name derives (DESIGN: the
    /// cluster secret, like Serf's shared key; given by file or environment, never argv).
    ///
    /// seed = Argon2id13(passphrase, salt, OPSLIMIT/MEMLIMIT_MODERATE, 32 bytes), where
    /// salt = the first 16 bytes of BLAKE2b-256("gossipkv-salt:" + cluster name), and the key
    /// pair is `crypto_sign_seed_keypair(seed)`. The salt makes the same words give different
    /// keys for differently named clusters, so one precomputed table cannot serve all clusters;
    /// that is why the name MUST be the cluster's own (`validateClusterName`: `default` and an
    /// empty name are refused). MODERATE costs 256 MiB and a few seconds, once at start: every
    /// guess an attacker makes offline costs the same. Words that are easy to guess still make a
    /// guessable key, so they SHOULD be long (several random words).
    ///
    /// Both strings are put in Unicode NFC before their UTF-8 bytes are used, so the words typed
    /// on a Mac (often NFD) and on Linux give the same key. Nothing else is changed: spaces and
    /// case matter.
    public init(passphrase: String, clusterName: String) throws(KeyError) {
        try self.init(passphrase: passphrase, clusterName: clusterName, cost: .moderate)
    }

    /// The same derivation at another Argon2id cost. Package access only: tests derive many
    /// keys at `PassphraseCost.testing`, while every production caller gets MODERATE.
    package init(passphrase: String, clusterName: String, cost: PassphraseCost) throws(KeyError) {
        Sodium.ensureInitialized()
        try Self.validateClusterName(clusterName)
        var words = Array(passphrase.precomposedStringWithCanonicalMapping.utf8)
        defer { Sodium.wipe(&words) }
        guard !words.isEmpty else { throw .emptyPassphrase }
        let salt = Self.passphraseSalt(clusterName: clusterName)
        let seed = SecretBytes(count: Ed25519.seedByteCount) { seed in
            words.withUnsafeBufferPointer { wordBytes in
                wordBytes.withMemoryRebound(to: CChar.self) { password in
                    guard let passwordBase = password.baseAddress else { return -1 }
                    return crypto_pwhash(
                        seed, UInt64(Ed25519.seedByteCount),
                        passwordBase, UInt64(password.count),
                        salt, cost.operations, cost.memoryBytes, crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard let seed else { throw .passphraseDerivationFailed }
        try self.init(seed: seed)
    }

    /// Refuses a cluster name that would make the salt shared with other clusters: an empty
    /// one, or `default` in any case (the open cluster's name, and what an operator who did
    /// not choose one would get).
    public static func validateClusterName(_ name: String) throws(KeyError) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw .clusterNameRequired }
        if trimmed.lowercased() == "default" { throw .defaultClusterName }
    }

    /// The 16-byte Argon2 salt for `clusterName` (`crypto_pwhash_SALTBYTES`).
    static func passphraseSalt(clusterName: String) -> [UInt8] {
        let input = Array((passphraseSaltPrefix + clusterName.precomposedStringWithCanonicalMapping).utf8)
        return Array(Blake2b.hash(input, outputLength: 32).prefix(Int(crypto_pwhash_SALTBYTES)))
    }
}

/// How much work Argon2id does per derivation: passes over memory, and the memory.
public struct PassphraseCost: Sendable, Equatable {
    public let operations: UInt64
    public let memoryBytes: Int

    /// libsodium's MODERATE (3 passes over 256 MiB): the only cost a node or the CLI uses.
    public static let moderate = PassphraseCost(
        operations: UInt64(crypto_pwhash_OPSLIMIT_MODERATE), memoryBytes: Int(crypto_pwhash_MEMLIMIT_MODERATE)
    )

    /// libsodium's minimum (1 pass over 8 KiB): for tests that derive keys often. Not public, so
    /// no embedder can pick it by mistake.
    package static let testing = PassphraseCost(
        operations: UInt64(crypto_pwhash_OPSLIMIT_MIN), memoryBytes: Int(crypto_pwhash_MEMLIMIT_MIN))

    package init(operations: UInt64, memoryBytes: Int) {
        self.operations = operations
        self.memoryBytes = memoryBytes
    }
}
