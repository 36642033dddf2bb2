import CSodium

/// The sizes of Ed25519 (RFC 8032) in libsodium, as `Int`.
public enum Ed25519 {
    public static let seedByteCount = Int(crypto_sign_SEEDBYTES)
    public static let secretKeyByteCount = Int(crypto_sign_SECRETKEYBYTES)
    public static let signatureByteCount = Int(crypto_sign_BYTES)
}

/// The key pair shared by node and cluster keys: libsodium's 64-byte secret key (seed and
/// public key) kept in wiped memory. The public `NodeKeyPair` and `ClusterKeyPair` wrap it so
/// that the type says which role a key plays.
struct Ed25519KeyPair: Sendable {
    let publicKey: SigningPublicKey
    /// libsodium's secret key: the 32-byte seed followed by the public key.
    let secretKey: SecretBytes

    /// A fresh key pair from libsodium's CSPRNG.
    static func generate() -> Ed25519KeyPair {
        let seed = SecretBytes(randomCount: Ed25519.seedByteCount)
        do {
            return try Ed25519KeyPair(seed: seed)
        } catch {
            // Unreachable: the seed has the right length by construction.
            fatalError("Ed25519 key generation failed: \(error)")
        }
    }

    /// The key pair a 32-byte seed determines (`crypto_sign_seed_keypair`): the same seed gives
    /// the same keys on every machine.
    init(seed: SecretBytes) throws(KeyError) {
        guard seed.count == Ed25519.seedByteCount else { throw .wrongSeedLength(seed.count) }
        var publicBytes = [UInt8](repeating: 0, count: SigningPublicKey.byteCount)
        let secret = SecretBytes(count: Ed25519.secretKeyByteCount) { secret in
            seed.withPointer { seedBytes in crypto_sign_seed_keypair(&publicBytes, secret, seedBytes) }
        }
        guard let secret else { throw .wrongSeedLength(seed.count) }
        secretKey = secret
        publicKey = try SigningPublicKey(bytes: publicBytes)
    }

    /// The 32-byte seed, which is all a key file needs to store.
    var seed: SecretBytes {
        let seed = SecretBytes(count: Ed25519.seedByteCount) { seed in
            secretKey.withPointer { secret in crypto_sign_ed25519_sk_to_seed(seed, secret) }
        }
        // crypto_sign_ed25519_sk_to_seed cannot fail; an empty secret would only fail to match.
        return seed ?? SecretBytes(count: 0) { (_: UnsafeMutableRawBufferPointer) in }
    }

    /// A detached signature (64 bytes) over the concatenation of `parts` under `context`.
    func sign(_ parts: [ArraySlice<UInt8>], context: SigningContext) -> [UInt8] {
        let digest = context.digest(of: parts)
        var signature = [UInt8](repeating: 0, count: Ed25519.signatureByteCount)
        _ = secretKey.withPointer { secret in
            crypto_sign_detached(&signature, nil, digest, UInt64(digest.count), secret)
        }
        return signature
    }
}
