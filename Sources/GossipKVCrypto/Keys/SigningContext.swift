/// A domain-separation label mixed into everything this module signs, so that a signature made
/// for one purpose (a certificate, an envelope, a handshake) is worthless for any other, even
/// over the very same bytes.
///
/// What Ed25519 signs is the 64-byte digest
/// `BLAKE2b-512(u64 big-endian length of label || label || bytes)`:
/// - the length prefix keeps the encoding injective whatever a label holds;
/// - hashing first means a 16 MiB frame is read once by BLAKE2b (about 1 GB/s) and never copied
///   to put a prefix in front of it, and Ed25519 (which hashes its message twice when signing)
///   only ever sees 64 bytes.
/// Security then rests on BLAKE2b-512's collision resistance as well as on Ed25519.
public struct SigningContext: Hashable, Sendable, CustomStringConvertible {
    public let label: String

    /// New labels SHOULD follow the `gossipkv-PURPOSE-vN` pattern and bump N when the signed
    /// layout changes, so that old and new signatures can never be confused.
    public init(_ label: StaticString) {
        self.label = label.description
    }

    /// Node certificates, signed by the cluster key (or, in an open cluster, the node's own key).
    public static let certificate = SigningContext("gossipkv-cert-v1")
    /// Envelopes: every gossip message signed by its sender's node key.
    public static let message = SigningContext("gossipkv-msg-v1")
    /// The signed handshake that opens a TCP stream or agrees a per-pair key.
    public static let handshake = SigningContext("gossipkv-handshake-v1")

    public var description: String { label }

    /// The 64 bytes Ed25519 signs for `parts` (concatenated) under this context.
    func digest(of parts: [ArraySlice<UInt8>]) -> [UInt8] {
        let labelBytes = Array(label.utf8)
        var prefix = [UInt8]()
        prefix.reserveCapacity(8 + labelBytes.count)
        let length = UInt64(labelBytes.count)
        for shift in stride(from: 56, through: 0, by: -8) {
            prefix.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
        }
        prefix.append(contentsOf: labelBytes)
        return Blake2b.hash([prefix[...]] + parts, outputLength: 64)
    }
}
