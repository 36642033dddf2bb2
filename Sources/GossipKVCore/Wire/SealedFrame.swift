/// The confidentiality layer around an envelope (issue 13, item 1): in a closed cluster every
/// datagram, stream frame, stream handshake and multicast announcement travels as a sealed frame,
/// an XChaCha20-Poly1305 ciphertext of the whole signed envelope under one of the cluster's data
/// keys (`GossipKVCrypto.DataKeyring` seals and opens; this type only reads the layout, so it
/// stays pure and can be fuzzed without libsodium).
///
/// Layout (45 bytes around the envelope): marker `u8` (`SealedFrame.marker`), key id `u32`
/// big-endian, nonce 24 bytes, then the ciphertext of the envelope with its 16-byte Poly1305
/// tag at the end. Marker and key id are the AEAD's associated data, so neither can be changed
/// without the tag failing. What a listener on the LAN sees is only this: a marker, which key
/// encrypted the frame, a random nonce and the frame's length; the cluster id, sender,
/// recipient, kind, channel, sequence numbers and clocks are all inside the ciphertext.
///
/// Opening order (cheap first): size, marker, key id looked up in the keyring (an unknown id is
/// refused by lookup, no cryptography), then one AEAD open (about 1 µs per datagram, far below
/// the 50 µs of the Ed25519 check that follows inside the envelope).
public struct SealedFrame: Equatable, Sendable {
    /// The first byte of every sealed frame. A plain envelope starts with its version (1), so
    /// a plain envelope sent to a closed cluster is told apart (`SealRejection.notSealed`).
    public static let marker: UInt8 = 0xC5
    public static let keyIDByteCount = 4
    /// XChaCha20's nonce: long enough to be drawn at random for every frame.
    public static let nonceByteCount = 24
    /// Poly1305's tag, at the end of the ciphertext.
    public static let tagByteCount = 16
    /// Marker and key id: the associated data.
    public static let headerByteCount = 1 + keyIDByteCount
    /// Bytes a sealed frame adds to the envelope inside it (45).
    public static let overhead = headerByteCount + nonceByteCount + tagByteCount

    public var keyID: DataKeyID
    public var nonce: ArraySlice<UInt8>
    /// The ciphertext with its tag (at least `tagByteCount` bytes).
    public var ciphertext: ArraySlice<UInt8>
    /// Marker and key id, as received: the AEAD's associated data.
    public var associatedData: ArraySlice<UInt8>

    /// Reads the layout of `bytes`; checks nothing cryptographic. Total: any input gives a
    /// frame or a typed rejection, and nothing is copied.
    public static func parse(_ bytes: ArraySlice<UInt8>, maxBytes: Int) -> Result<SealedFrame, SealRejection>
    {
        guard bytes.count <= maxBytes else { return .failure(.oversize(size: bytes.count, limit: maxBytes)) }
        guard let first = bytes.first else { return .failure(.truncated(size: 0)) }
        guard first == marker else {
            return .failure(first == Envelope.currentVersion ? .notSealed : .unknownMarker(first))
        }
        guard bytes.count >= overhead else { return .failure(.truncated(size: bytes.count)) }
        let start = bytes.startIndex
        var id: UInt32 = 0
        for byte in bytes[(start + 1)..<(start + headerByteCount)] { id = id << 8 | UInt32(byte) }
        let nonceStart = start + headerByteCount
        let cipherStart = nonceStart + nonceByteCount
        return .success(
            SealedFrame(
                keyID: DataKeyID(rawValue: id), nonce: bytes[nonceStart..<cipherStart],
                ciphertext: bytes[cipherStart...], associatedData: bytes[start..<nonceStart]))
    }

    /// The associated data (marker and key id) a frame under `keyID` carries.
    public static func header(keyID: DataKeyID) -> [UInt8] {
        let id = keyID.rawValue
        return [
            marker, UInt8(truncatingIfNeeded: id >> 24), UInt8(truncatingIfNeeded: id >> 16),
            UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id),
        ]
    }
}

/// Which data key sealed a frame: the first 4 bytes of a keyed hash of the key (see
/// `GossipKVCrypto.DataKey`), so every node that holds a key computes the same id, and the id
/// tells nothing about the key. Shown as 8 hex digits.
public struct DataKeyID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Parses 8 hex digits (as `description` prints them); nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 8, let value = UInt32(hex, radix: 16) else { return nil }
        rawValue = value
    }

    public var description: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    public static func < (lhs: DataKeyID, rhs: DataKeyID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why a frame was refused before its envelope was looked at. Counted by `label` with the other
/// rejections; none stops the node.
public enum SealRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// Larger than the transport allows; nothing was read.
    case oversize(size: Int, limit: Int)
    /// Shorter than the 45 bytes of marker, key id, nonce and tag.
    case truncated(size: Int)
    /// A plain (unencrypted) envelope reached a node of a closed cluster.
    case notSealed
    /// The first byte is neither a sealed frame's marker nor an envelope's version.
    case unknownMarker(UInt8)
    /// No installed key has this id: a stranger, a key already removed, or one not installed
    /// here yet. Refused by lookup, before any cryptography.
    case unknownKey(DataKeyID)
    /// The key id is known but the tag does not verify: tampered, or a forged key id.
    case badSeal

    public var label: String {
        switch self {
        case .oversize: return "seal_oversize"
        case .truncated: return "seal_truncated"
        case .notSealed: return "not_sealed"
        case .unknownMarker: return "seal_unknown_marker"
        case .unknownKey: return "unknown_key"
        case .badSeal: return "bad_seal"
        }
    }

    public var description: String {
        switch self {
        case let .oversize(size, limit):
            return "sealed frame of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .truncated(size):
            return "sealed frame of \(size) bytes is shorter than its \(SealedFrame.overhead)-byte overhead"
        case .notSealed: return "a plain envelope reached a node that requires encryption"
        case let .unknownMarker(byte): return "first byte \(byte) is neither a sealed frame nor an envelope"
        case let .unknownKey(id): return "sealed under key \(id), which is not installed here"
        case .badSeal: return "the sealed frame does not decrypt under its key (tampered or forged)"
        }
    }
}
