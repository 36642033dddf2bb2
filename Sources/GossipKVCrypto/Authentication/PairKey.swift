import CSodium
import GossipKVCore

/// The symmetric keys two members share for cheap SWIM probe MACs (DESIGN: "a MAC under a
/// per-pair key from crypto_kx").
///
/// Both nodes convert their Ed25519 keys (from their certificates) to X25519
/// (`crypto_sign_ed25519_{pk,sk}_to_curve25519`) and run `crypto_kx`; the node with the smaller
/// id takes the client role, so each side knows its role with no message. That yields one key
/// per direction, the client's send key being the server's receive key. Each is then bound to
/// this purpose and to `session`: `MAC key = BLAKE2b-256(key: kx key, "gossipkv-pair-mac-v1"
/// || session)`. The node SHOULD pass both boot epochs as `session` (see
/// `PairKey.session(bootEpochs:)`), so the keys change when either node restarts; the static
/// certificate keys alone would give the pair the same keys forever.
///
/// Separate keys per direction mean a probe reflected back to its sender does not verify.
public struct PairKey: Sendable {
    public let local: NodeID
    public let remote: NodeID
    /// Key for MACs on messages from `local` to `remote`.
    let sendKey: SecretBytes
    /// Key for MACs on messages from `remote` to `local`.
    let receiveKey: SecretBytes

    static let keyByteCount = 32
    static let purpose = Array("gossipkv-pair-mac-v1".utf8)

    /// Agrees the pair key between `local` and the node whose certified key is `remote`.
    /// Throws `unusablePublicKey` for a key that is not a safe curve point and `pairWithSelf`
    /// when both are the same node.
    public init(local: NodeKeyPair, remote: SigningPublicKey, session: [UInt8] = []) throws(KeyError) {
        self.init(secret: try PairSecret(local: local, remote: remote), session: session)
    }

    /// Binds an agreed `secret` to `session` (two BLAKE2b calls: cheap enough per message).
    public init(secret: PairSecret, session: [UInt8]) {
        let keyCount = PairSecret.keyCount
        local = secret.local
        remote = secret.remote
        receiveKey = Self.macKey(from: secret.sessionKeys, range: 0..<keyCount, session: session)
        sendKey = Self.macKey(from: secret.sessionKeys, range: keyCount..<(2 * keyCount), session: session)
    }

    /// `session` bytes for two boot epochs (the HLC values each node started at), in node-id
    /// order so both sides compute the same bytes.
    public static func session(local: NodeID, localBootEpoch: UInt64, remote: NodeID, remoteBootEpoch: UInt64)
        -> [UInt8]
    {
        let ordered = local < remote ? [localBootEpoch, remoteBootEpoch] : [remoteBootEpoch, localBootEpoch]
        var bytes = [UInt8]()
        for epoch in ordered {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: epoch >> UInt64(shift)))
            }
        }
        return bytes
    }

    private static func macKey(from sessionKeys: SecretBytes, range: Range<Int>, session: [UInt8])
        -> SecretBytes
    {
        var key = Blake2b.hash(
            [purpose[...], session[...]], key: sessionKeys, range: range, outputLength: keyByteCount)
        return SecretBytes(consuming: &key)
    }
}

/// The `crypto_kx` result of two members, before it is bound to a session (`PairKey`): the
/// costly half (two key conversions and an X25519 scalar multiplication, about 100 µs), done
/// once per admitted certificate, while the binding to both boot epochs is redone per message.
public struct PairSecret: Sendable {
    public let local: NodeID
    public let remote: NodeID
    /// The remote key it was agreed with: a renewed certificate with the same key keeps it.
    public let remotePublicKey: SigningPublicKey
    /// rx then tx, each `keyCount` bytes.
    let sessionKeys: SecretBytes

    static let keyCount = Int(crypto_kx_SESSIONKEYBYTES)

    /// See `PairKey.init(local:remote:session:)` for the roles and the errors.
    public init(local: NodeKeyPair, remote: SigningPublicKey) throws(KeyError) {
        Sodium.ensureInitialized()
        let remoteID = NodeID(publicKey: remote)
        guard remoteID != local.nodeID else { throw .pairWithSelf }
        var localX25519Public = [UInt8](repeating: 0, count: Int(crypto_kx_PUBLICKEYBYTES))
        var remoteX25519Public = [UInt8](repeating: 0, count: Int(crypto_kx_PUBLICKEYBYTES))
        guard crypto_sign_ed25519_pk_to_curve25519(&localX25519Public, local.publicKey.bytes) == 0,
            crypto_sign_ed25519_pk_to_curve25519(&remoteX25519Public, remote.bytes) == 0
        else { throw .unusablePublicKey }
        let localX25519Secret = SecretBytes(count: Int(crypto_kx_SECRETKEYBYTES)) { secret in
            local.keys.secretKey.withPointer { ed25519Secret in
                crypto_sign_ed25519_sk_to_curve25519(secret, ed25519Secret)
            }
        }
        guard let localX25519Secret else { throw .unusablePublicKey }

        // rx then tx, each crypto_kx_SESSIONKEYBYTES, in one wiped buffer.
        let keyCount = Self.keyCount
        let isClient = local.nodeID < remoteID
        let sessionKeys = SecretBytes(count: 2 * keyCount) { rx in
            localX25519Secret.withPointer { secret in
                isClient
                    ? crypto_kx_client_session_keys(
                        rx, rx + keyCount, localX25519Public, secret, remoteX25519Public)
                    : crypto_kx_server_session_keys(
                        rx, rx + keyCount, localX25519Public, secret, remoteX25519Public)
            }
        }
        guard let sessionKeys else { throw .unusablePublicKey }
        self.local = local.nodeID
        self.remote = remoteID
        self.remotePublicKey = remote
        self.sessionKeys = sessionKeys
    }
}
