/// Why key material could not be made or used. Every case says what to do about it.
public enum KeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A seed (the 32 bytes a key pair is made from) of the wrong length.
    case wrongSeedLength(Int)
    /// An Ed25519 public key of the wrong length.
    case wrongPublicKeyLength(Int)
    /// `--cluster-secret` was empty: an empty passphrase would let anyone join.
    case emptyPassphrase
    /// Argon2id could not run, almost always because it could not allocate its 64 MiB.
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
                "the cluster secret is empty; pass the same non-empty words to every node with --cluster-secret"
        case .passphraseDerivationFailed:
            return
                "deriving the cluster key from the passphrase failed (Argon2id needs 64 MiB of free memory)"
        case .unusablePublicKey:
            return "the peer's public key is not a usable Ed25519 point; its certificate is bad"
        case .pairWithSelf:
            return "a node cannot agree a pair key with itself (two nodes share one key file?)"
        }
    }
}
