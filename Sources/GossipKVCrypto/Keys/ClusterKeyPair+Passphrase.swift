import CSodium
import Foundation

extension ClusterKeyPair {
    /// The salt's domain prefix; the cluster name follows it.
    public static let passphraseSaltPrefix = "gossipkv-salt:"

    /// The cluster key every holder of the same words and cluster name derives (DESIGN:
    /// `--cluster-secret`, like Serf's shared key).
    ///
    /// seed = Argon2id13(passphrase, salt, OPSLIMIT/MEMLIMIT_INTERACTIVE, 32 bytes), where
    /// salt = the first 16 bytes of BLAKE2b-256("gossipkv-salt:" + cluster name), and the key
    /// pair is `crypto_sign_seed_keypair(seed)`. The salt makes the same words give different
    /// keys for differently named clusters, so one precomputed table cannot serve all clusters.
    /// INTERACTIVE costs about 64 MiB and a fraction of a second (once, at start); words that
    /// are easy to guess still make a guessable key, so they SHOULD be long (several random
    /// words).
    ///
    /// Both strings are put in Unicode NFC before their UTF-8 bytes are used, so the words typed
    /// on a Mac (often NFD) and on Linux give the same key. Nothing else is changed: spaces and
    /// case matter.
    public init(passphrase: String, clusterName: String) throws(KeyError) {
        Sodium.ensureInitialized()
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
                        salt,
                        UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE), Int(crypto_pwhash_MEMLIMIT_INTERACTIVE),
                        crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard let seed else { throw .passphraseDerivationFailed }
        try self.init(seed: seed)
    }

    /// The 16-byte Argon2 salt for `clusterName` (`crypto_pwhash_SALTBYTES`).
    static func passphraseSalt(clusterName: String) -> [UInt8] {
        let input = Array((passphraseSaltPrefix + clusterName.precomposedStringWithCanonicalMapping).utf8)
        return Array(Blake2b.hash(input, outputLength: 32).prefix(Int(crypto_pwhash_SALTBYTES)))
    }
}
