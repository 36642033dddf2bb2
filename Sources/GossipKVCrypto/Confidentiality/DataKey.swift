import CSodium
import GossipKVCore

/// A cluster data key: 32 bytes for XChaCha20-Poly1305 (issue 13, item 1), with its id.
///
/// Every node of a closed cluster holds the same keys in its `DataKeyring`. The first one is
/// derived from the cluster secret (`derived(fromClusterSeed:)`), so a closed cluster encrypts
/// with no extra setup; operators roll new ones with `gossipkv keyring`.
///
/// The id is the first 4 bytes of BLAKE2b keyed by the key itself over a fixed context: every
/// holder computes the same id, and a listener who sees it learns nothing about the key (only
/// which frames share one).
public struct DataKey: Sendable, CustomStringConvertible {
    public static let byteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    static let idContext = Array("gossipkv-data-key-id-v1".utf8)
    static let derivationContext = Array("gossipkv-data-key-from-cluster-secret-v1".utf8)

    public let secret: SecretBytes
    public let id: DataKeyID

    /// Wraps 32 secret bytes (from a key file, the keyring file, or an admin command).
    public init(secret: SecretBytes) throws(KeyringError) {
        guard secret.count == Self.byteCount else { throw .wrongKeyLength(secret.count) }
        self.secret = secret
        let digest = Blake2b.hash([Self.idContext[...]], key: secret, outputLength: 16)
        id = DataKeyID(rawValue: digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// A fresh random key (`gossipkv keyring install --generate`).
    public static func generate() -> DataKey {
        // 32 random bytes always make a key.
        (try? DataKey(secret: SecretBytes(randomCount: byteCount))) ?? generate()
    }

    /// The data key every holder of the cluster secret derives: BLAKE2b-256 keyed by the
    /// cluster key's 32-byte seed over a fixed context. Passphrase clusters derive it from the
    /// Argon2id seed; key-file clusters get it in `data.key` from `gossipkv init`/`cert issue`.
    /// Knowing it does not give the cluster secret (BLAKE2b is one-way), so a node that only
    /// holds the data key cannot certify nodes.
    public static func derived(fromClusterSeed seed: SecretBytes) -> DataKey {
        let secret = SecretBytes(count: byteCount) { (buffer: UnsafeMutableRawBufferPointer) in
            var derived = Blake2b.hash([derivationContext[...]], key: seed, outputLength: byteCount)
            buffer.copyBytes(from: derived)
            Sodium.wipe(&derived)
        }
        return (try? DataKey(secret: secret)) ?? generate()
    }

    public var description: String { "DataKey(\(id), secret redacted)" }
}

extension ClusterKeyPair {
    /// The cluster's first data key (`DataKey.derived(fromClusterSeed:)`).
    public var dataKey: DataKey { DataKey.derived(fromClusterSeed: seed) }
}

/// Why a keyring change or a key was refused; messages say what to do.
public enum KeyringError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongKeyLength(Int)
    case unknownKey(DataKeyID)
    case removingPrimary(DataKeyID)
    case idCollision(DataKeyID)
    case malformedFile(path: String, reason: String)
    case io(path: String, operation: String, errno: Int32)
    case encryptionOff
    case tooManyKeys(Int)

    public var description: String {
        switch self {
        case let .wrongKeyLength(count): return "a data key has \(DataKey.byteCount) bytes, not \(count)"
        case let .unknownKey(id): return "key \(id) is not installed on this node; install it first"
        case let .removingPrimary(id):
            return "key \(id) is the primary key; `use` another key first, then remove this one"
        case let .idCollision(id):
            return "another installed key has the id \(id); generate a different key"
        case let .malformedFile(path, reason): return "\(path) is not a gossipkv keyring: \(reason)"
        case let .io(path, operation, errno): return "\(operation) \(path) failed (errno \(errno))"
        case let .tooManyKeys(limit): return "a keyring holds at most \(limit) keys; remove old ones first"
        case .encryptionOff:
            return
                "this node runs an open cluster, which sends in clear and has no keyring; close the cluster "
                + "(a passphrase or key files) to encrypt"
        }
    }
}
