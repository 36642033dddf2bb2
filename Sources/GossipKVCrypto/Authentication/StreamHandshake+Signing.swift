import GossipKVCore

extension StreamHandshake {
    /// A handshake signed by `keyPair` under `SigningContext.handshake`.
    public static func signed(
        cluster: NodeID, recipient: NodeID, bootEpoch: HLCTimestamp, sequence: UInt64, keyPair: NodeKeyPair
    ) -> StreamHandshake {
        var handshake = StreamHandshake(
            cluster: cluster, sender: keyPair.nodeID, recipient: recipient, bootEpoch: bootEpoch,
            sequence: sequence)
        handshake.signature = keyPair.sign(handshake.signedBytes[...], context: .handshake)
        return handshake
    }

    /// Whether the signature is `publicKey`'s over `signedBytes`.
    public func isSigned(by publicKey: SigningPublicKey) -> Bool {
        publicKey.isValidSignature(signature[...], over: signedBytes[...], context: .handshake)
    }
}

/// Why a stream's handshake was refused; the stream is closed and the reason counted.
public enum StreamHandshakeRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(WireError)
    case wrongCluster
    case wrongRecipient
    /// Not a node this one has admitted (or one revoked since): its key is unknown.
    case unknownSender
    case replay(ReplayRejection)
    case badSignature

    public var label: String {
        switch self {
        case .malformed: return "handshake_malformed"
        case .wrongCluster: return "handshake_wrong_cluster"
        case .wrongRecipient: return "handshake_wrong_recipient"
        case .unknownSender: return "handshake_unknown_sender"
        case .replay: return "handshake_replay"
        case .badSignature: return "handshake_bad_signature"
        }
    }

    public var description: String {
        switch self {
        case let .malformed(error): return "malformed stream handshake: \(error)"
        case .wrongCluster: return "stream handshake for another cluster"
        case .wrongRecipient: return "stream handshake addressed to another node"
        case .unknownSender: return "stream handshake from a node not admitted here"
        case let .replay(reason): return "replayed stream handshake: \(reason)"
        case .badSignature: return "stream handshake signature does not verify"
        }
    }
}

/// Checks the handshakes that open inbound streams: cheap checks first (layout, cluster,
/// recipient, admitted sender, replay window), then the signature, and only then records the
/// handshake's sequence number, so a forged handshake cannot move the window.
public struct StreamHandshakeAcceptor: Sendable {
    public let cluster: NodeID
    public let localNode: NodeID
    private var replayGuard: ReplayGuard

    public init(cluster: NodeID, localNode: NodeID, replayGuard: ReplayGuard = ReplayGuard()) {
        self.cluster = cluster
        self.localNode = localNode
        self.replayGuard = replayGuard
    }

    /// Returns the authenticated sender of the stream that opened with `bytes`.
    public mutating func accept(_ bytes: ArraySlice<UInt8>, verifier: CertificateVerifier) -> Result<
        NodeID, StreamHandshakeRejection
    > {
        let handshake: StreamHandshake
        do {
            handshake = try StreamHandshake(decoding: bytes)
        } catch {
            return .failure(.malformed(error))
        }
        guard handshake.cluster == cluster else { return .failure(.wrongCluster) }
        guard handshake.recipient == localNode else { return .failure(.wrongRecipient) }
        guard handshake.sender != localNode, let known = verifier.senders[handshake.sender] else {
            return .failure(.unknownSender)
        }
        if case let .failure(reason) = replayGuard.check(handshake.replayStamp) {
            return .failure(.replay(reason))
        }
        guard handshake.isSigned(by: known.publicKey) else { return .failure(.badSignature) }
        replayGuard.record(handshake.replayStamp)
        return .success(handshake.sender)
    }
}
