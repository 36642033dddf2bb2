/// Why an incoming envelope was dropped. The shell counts drops by `label`; none of them stops
/// the node. Cases are listed in the order the opener checks them.
public enum EnvelopeRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// Larger than the transport's limit or `Limits.maxFrameBytes`; nothing else was read.
    case oversize(size: Int, limit: Int)
    /// The version byte is not `Envelope.currentVersion`.
    case unsupportedVersion(UInt8)
    /// The header could not be read, or its lengths do not add up to the frame's size.
    case malformed(WireError)
    /// Sent for another cluster (or by a node configured with another cluster key).
    case wrongCluster(NodeID)
    /// Addressed to another node, or to nobody outside the multicast channel.
    case wrongRecipient(NodeID)
    /// Our own message, echoed back (multicast loops back to its sender).
    case ownMessage
    /// The verifier has no key for this sender.
    case unknownSender(NodeID)
    /// Refused by the replay guard before the signature was checked.
    case replay(ReplayRejection)
    /// These very bytes already failed their authenticator check (`ForgeryMemo`): dropped
    /// without checking again.
    case knownForgery
    /// The authenticator does not verify.
    case badSignature
    /// A per-pair MAC (SWIM messages) does not verify: a forgery, or a pair key agreed for
    /// another boot epoch of ours (the sender has not heard of our restart yet).
    case badPairMAC
    /// Authentic, but the body does not decode: a certified node sent something broken.
    case invalidBody(WireError)

    /// A short, stable name for metrics labels.
    public var label: String {
        switch self {
        case .oversize: return "oversize"
        case .unsupportedVersion: return "unsupported_version"
        case .malformed: return "malformed"
        case .wrongCluster: return "wrong_cluster"
        case .wrongRecipient: return "wrong_recipient"
        case .ownMessage: return "own_message"
        case .unknownSender: return "unknown_sender"
        case .replay: return "replay"
        case .knownForgery: return "known_forgery"
        case .badSignature: return "bad_signature"
        case .badPairMAC: return "bad_mac"
        case .invalidBody: return "invalid_body"
        }
    }

    public var description: String {
        switch self {
        case let .oversize(size, limit):
            return "envelope of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .unsupportedVersion(version):
            return
                "wire version \(version) is not supported (this node speaks version \(Envelope.currentVersion))"
        case let .malformed(error): return "malformed envelope: \(error)"
        case let .wrongCluster(cluster): return "envelope for cluster \(cluster), not ours"
        case let .wrongRecipient(recipient): return "envelope addressed to \(recipient), not to this node"
        case .ownMessage: return "envelope sent by this node itself"
        case let .unknownSender(sender): return "unknown sender \(sender)"
        case let .replay(reason): return "replayed envelope: \(reason)"
        case .knownForgery: return "envelope already failed its authenticator check"
        case .badSignature: return "authenticator does not verify"
        case .badPairMAC: return "per-pair MAC does not verify"
        case let .invalidBody(error): return "authentic envelope with an invalid body: \(error)"
        }
    }
}
