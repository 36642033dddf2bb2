import GossipKVCore

/// The fixed cluster, nodes and key of the envelope fuzzer. Random bytes never carry a valid
/// Ed25519 signature, so the fuzzer uses a cheap keyed checksum instead: 8 bytes of SipHash under
/// a fixed key. Seeds carry valid checksums, and libFuzzer's comparison tracing can repair them
/// after a mutation, so inputs reach the replay guard and the body decoder too.
///
/// Like a node, the verifier also takes a second, shorter authenticator on membership (SWIM)
/// kinds, standing in for the per-pair MAC: 4 bytes of SipHash under another key
/// (`ShortChecksumSigner`), so the opener's choice between two lengths is fuzzed as well.
public enum FuzzIdentity {
    public static let cluster = NodeID(high: 0xF022_C1D5, low: 1)
    public static let sender = NodeID(high: 0x5E4D_E200, low: 2)
    public static let receiver = NodeID(high: 0x2EC0_E200, low: 3)
    public static let key: UInt64 = 0xF022_F022_F022_F022

    public static let signer = ChecksumSigner()
    public static let shortSigner = ShortChecksumSigner()
    public static let verifier = ChecksumVerifier()

    public static func opener() -> EnvelopeOpener {
        EnvelopeOpener(cluster: cluster, localNode: receiver)
    }

    /// The signer that makes `length`-byte authenticators, if any.
    public static func signer(length: Int) -> (any MessageSigner)? {
        switch length {
        case signer.authenticatorLength: return signer
        case shortSigner.authenticatorLength: return shortSigner
        default: return nil
        }
    }

    public static func shortChecksum(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(checksum(bytes, key1: key &+ 1).prefix(4))
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        checksum(bytes, key1: ~key)
    }

    static func checksum(_ bytes: ArraySlice<UInt8>, key1: UInt64) -> [UInt8] {
        var hasher = StableHasher(key0: key, key1: key1)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        var word = hasher.finalize()
        var result = [UInt8]()
        for _ in 0..<8 {
            result.append(UInt8(truncatingIfNeeded: word >> 56))
            word <<= 8
        }
        return result
    }
}

public struct ChecksumSigner: MessageSigner {
    public var authenticatorLength: Int { 8 }

    public func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        FuzzIdentity.checksum(bytes[...])
    }
}

/// Knows only `FuzzIdentity.sender`.
public struct ChecksumVerifier: MessageVerifier {
    public func authenticatorLength(sender: NodeID) -> Int? { sender == FuzzIdentity.sender ? 8 : nil }

    public func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID)
        -> Bool
    {
        sender == FuzzIdentity.sender && authenticator.elementsEqual(FuzzIdentity.checksum(bytes))
    }
}

public struct ShortChecksumSigner: MessageSigner {
    public var authenticatorLength: Int { 4 }

    public func authenticator(for bytes: [UInt8], recipient: NodeID) -> [UInt8] {
        FuzzIdentity.shortChecksum(bytes[...])
    }
}

extension ChecksumVerifier {
    /// The short checksum too, on membership kinds only (as a node takes pair MACs).
    public func accepts(authenticatorLength length: Int, header: EnvelopeHeader) -> Bool {
        guard header.sender == FuzzIdentity.sender else { return false }
        return length == 8 || (length == 4 && header.kind.isMembership)
    }

    public func check(
        _ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, header: EnvelopeHeader
    )
        -> AuthenticatorVerdict
    {
        if authenticator.count == 4 {
            return header.kind.isMembership && authenticator.elementsEqual(FuzzIdentity.shortChecksum(bytes))
                ? .verified : .badPairMAC
        }
        return verify(authenticator, over: bytes, sender: header.sender) ? .verified : .badSignature
    }
}
