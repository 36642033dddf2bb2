import GossipKVCore

/// The per-pair MAC keys of one node (DESIGN: "SWIM probes and acks between two members may
/// instead carry a MAC under a per-pair key from `crypto_kx`, agreed in a signed handshake").
///
/// The handshake is the signed announcement every member sends anyway: its certificate gives the
/// Ed25519 key that `crypto_kx` runs on (converted to X25519, see `PairSecret`), and its
/// envelope, whose signature covers the sender's boot epoch, gives the session. A pair key costs
/// no message of its own, and both sides derive it with no round trip.
///
/// Keys are bound to both boot epochs (`PairKey.session`), so a MAC made for an earlier run of
/// either node never verifies, even once that node's restart emptied its replay guard:
/// - the sender binds its own boot epoch and the one it last authenticated from the recipient
///   (`ReplayGuard.bootEpoch(of:)`); with none yet, it signs instead;
/// - the receiver binds the envelope's boot epoch (covered by the MAC) and its own.
///
/// A sender that has not heard of the recipient's restart yet makes MACs the recipient refuses
/// (counted as `bad_mac`) until a message of the new run reaches it; a restarted node sends its
/// signed announcement at once to the group, to its seeds and to every member it learns of.
///
/// A MAC authenticates a message between two members exactly as a signature does, since both
/// are hop by hop: only the two holders of a pair key can make it, and each direction has its
/// own key, so a message cannot be reflected. Unlike a signature it proves nothing to a third
/// node, which SWIM messages never need (no one forwards them). Piggybacked member updates ride
/// under it like the rest of the probe.
public struct PairKeyring: Sendable {
    public let localBootEpoch: UInt64
    let localKeys: NodeKeyPair
    private var secrets: [NodeID: PairSecret] = [:]

    public init(local: NodeKeyPair, bootEpoch: UInt64) {
        localKeys = local
        localBootEpoch = bootEpoch
    }

    /// Agrees a pair secret with the node whose certified key is `remote` (about 100 µs), unless
    /// one agreed with that very key is held already. Throws for ourselves and for unusable keys:
    /// the caller then simply keeps signing to that node.
    public mutating func agree(with remote: SigningPublicKey) throws(KeyError) {
        let node = NodeID(publicKey: remote)
        if let held = secrets[node], held.remotePublicKey == remote { return }
        secrets[node] = try PairSecret(local: localKeys, remote: remote)
    }

    public mutating func remove(_ node: NodeID) { secrets[node] = nil }

    public func contains(_ node: NodeID) -> Bool { secrets[node] != nil }

    /// Members a pair secret is held with.
    public var count: Int { secrets.count }

    /// The key for messages between us and `remote` while it runs under `remoteBootEpoch`.
    public func key(for remote: NodeID, remoteBootEpoch: UInt64) -> PairKey? {
        guard let secret = secrets[remote] else { return nil }
        let session = PairKey.session(
            local: secret.local, localBootEpoch: localBootEpoch, remote: remote,
            remoteBootEpoch: remoteBootEpoch)
        return PairKey(secret: secret, session: session)
    }

    /// A signer for messages to `recipient` in its run `recipientBootEpoch`, or nil when we share
    /// no pair secret with it (sign instead).
    public func signer(for recipient: NodeID, recipientBootEpoch: UInt64) -> PairMACSigner? {
        key(for: recipient, remoteBootEpoch: recipientBootEpoch).map { PairMACSigner(keys: [$0]) }
    }

    /// Checks the MAC closing an envelope under `header`, in constant time.
    public func verify(
        _ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, header: EnvelopeHeader
    )
        -> Bool
    {
        guard let key = key(for: header.sender, remoteBootEpoch: header.bootEpoch.rawValue) else {
            return false
        }
        return PairMACVerifier(keys: [key]).verify(authenticator, over: bytes, sender: header.sender)
    }

    /// The length of every pair MAC.
    public static var tagByteCount: Int { PairMAC.tagByteCount }
}
