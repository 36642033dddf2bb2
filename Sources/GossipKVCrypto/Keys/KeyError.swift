/// Why key material could not be made or used. Every case says what to do about it.
public enum KeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A seed (the 32 bytes a key pair is made from) of the wrong length.
    case wrongSeedLength(Int)
    /// An Ed25519 public key of the wrong length.
    case wrongPublicKeyLength(Int)
    /// The cluster secret was empty: an empty passphrase would let anyone join.
    case emptyPassphrase
    /// A passphrase cluster without a name: the key-derivation salt comes from the name.
    case clusterNameRequired
    /// A passphrase cluster named `default`: its salt would be every such cluster's, so one
    /// precomputed dictionary would attack them all offline.
    case defaultClusterName
    /// Argon2id could not run, almost always because it could not allocate its 256 MiB.
    case passphraseDerivationFailed
    /// A public key that is not a usable curve point (small order or not on the curve), so no
    /// pair key can be agreed with it.
    case unusablePublicKey
    /// A node tried to agree a pair key with itself.
    case pairWithSelf

    public var description: String {
        switch self {
        case let .wrongSeedLength(length):
            return "a key seed must be \(Ed25519.seedByteCount) bytes, not \(length)"
        case let .wrongPublicKeyLength(length):
            return "an Ed25519 public key must be \(SigningPublicKey.byteCount) bytes, not \(length)"
        case .emptyPassphrase:
            return
                "the cluster secret is empty; give every node the same non-empty words with --cluster-secret-file "
                + "FILE or GOSSIPKV_CLUSTER_SECRET"
        case .clusterNameRequired:
            return
                "a cluster closed by a passphrase needs a name (the key-derivation salt comes from it); give "
                + "every node the same --cluster-name NAME (or GOSSIPKV_CLUSTER_NAME)"
        case .defaultClusterName:
            return
                "a cluster closed by a passphrase cannot be named 'default': every such cluster would share "
                + "one key-derivation salt, so one precomputed dictionary would attack them all; give every "
                + "node the same --cluster-name NAME of your own (or GOSSIPKV_CLUSTER_NAME)"
        case .passphraseDerivationFailed:
            return
                "deriving the cluster key from the passphrase failed (Argon2id needs 256 MiB of free memory)"
        case .unusablePublicKey:
            return "the peer's public key is not a usable Ed25519 point; its certificate is bad"
        case .pairWithSelf:
            return "a node cannot agree a pair key with itself (two nodes share one key file?)"
        }
    }
}
