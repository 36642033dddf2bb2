import GossipKVCore

/// The per-pair MAC: keyed BLAKE2b (`crypto_generichash` with a key) with a 16-byte tag.
///
/// Chosen over `crypto_auth` (HMAC-SHA512-256, 32-byte tag) because SWIM probes are the most
/// frequent and smallest datagrams: keyed BLAKE2b is a MAC by design (BLAKE2 paper, section
/// 2.9), faster than HMAC (one pass, no inner/outer hash), and 16 bytes give 128-bit forgery
/// resistance for 48 bytes less than an Ed25519 signature. The keys are per direction and per
/// pair (`PairKey`), so no domain label is needed inside the MAC.
enum PairMAC {
    static let tagByteCount = 16

    static func tag(_ bytes: ArraySlice<UInt8>, key: SecretBytes) -> [UInt8] {
        Blake2b.hash([bytes], key: key, outputLength: tagByteCount)
    }
}

/// Authenticates messages to members this node shares a `PairKey` with.
///
/// `MessageSigner` cannot fail, so the caller MUST check `canAuthenticate(for:)` first and use
/// `Ed25519Signer` for anyone else: for a recipient without a key this signer returns a tag of
/// zeros, which no verifier accepts.
public struct PairMACSigner: MessageSigner {
    public private(set) var keys: [NodeID: PairKey] = [:]

    public init(keys: [PairKey] = []) {
        for key in keys { self.keys[key.remote] = key }
    }

    public mutating func insert(_ key: PairKey) { keys[key.remote] = key }

    public mutating func remove(_ node: NodeID) { keys[node] = nil }

    public func canAuthenticate(for recipient: NodeID) -> Bool { keys[recipient] != nil }

    public var authenticatorLength: Int { PairMAC.tagByteCount }

    public func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        guard let key = keys[recipient] else { return [UInt8](repeating: 0, count: PairMAC.tagByteCount) }
        return PairMAC.tag(bytes[...], key: key.sendKey)
    }
}

/// Checks MACs from members this node shares a `PairKey` with; any other sender is unknown.
public struct PairMACVerifier: MessageVerifier {
    public private(set) var keys: [NodeID: PairKey] = [:]

    public init(keys: [PairKey] = []) {
        for key in keys { self.keys[key.remote] = key }
    }

    public mutating func insert(_ key: PairKey) { keys[key.remote] = key }

    public mutating func remove(_ node: NodeID) { keys[node] = nil }

    public func authenticatorLength(sender: NodeID) -> Int? {
        keys[sender] == nil ? nil : PairMAC.tagByteCount
    }

    /// Recomputes the tag and compares in constant time (`sodium_memcmp`).
    public func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID)
        -> Bool
    {
        guard let key = keys[sender], authenticator.count == PairMAC.tagByteCount else { return false }
        return Sodium.constantTimeEquals(PairMAC.tag(bytes, key: key.receiveKey)[...], authenticator)
    }
}
