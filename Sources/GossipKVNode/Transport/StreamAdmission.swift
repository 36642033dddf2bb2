import GossipKVCore
import GossipKVCrypto
import NIOConcurrencyHelpers
import NIOCore

/// Bounds on gossip streams (issue 13: a stranger must not pin memory or file descriptors).
public struct StreamLimits: Sendable, Hashable {
    /// Connections still waiting for their handshake, from one source address.
    public var pendingPerSource = 8
    /// Connections still waiting for their handshake, in all.
    public var pendingTotal = 128
    /// Authenticated connections from one member (a new one past this closes its oldest).
    public var establishedPerPeer = 4
    /// Authenticated connections in all.
    public var establishedTotal = 512
    /// A connection whose handshake has not verified by then is closed.
    public var handshakeTimeout = TimeAmount.seconds(2)
    /// A connection that reads (inbound) or writes (outbound) nothing for this long is closed.
    public var idleTimeout = TimeAmount.seconds(60)

    public init() {}
}

/// What the transport needs to open streams of its own: the signed handshake it sends first.
public struct StreamCredentials: Sendable {
    public var cluster: NodeID
    public var bootEpoch: HLCTimestamp
    public var keyPair: NodeKeyPair

    public init(cluster: NodeID, bootEpoch: HLCTimestamp, keyPair: NodeKeyPair) {
        self.cluster = cluster
        self.bootEpoch = bootEpoch
        self.keyPair = keyPair
    }
}

/// The shared state behind every gossip stream of one transport, behind a lock (streams live on
/// several event loops): the handshake acceptor and the admitted senders (a copy of the node's
/// verifier, renewed whenever it changes), the budget for handshake signature checks, and the
/// connection tables that enforce `StreamLimits`. Until the node configures it, every inbound
/// stream is refused.
final class StreamAdmission: Sendable {
    struct Connection {
        var source: String
        var peer: NodeID?
        var channel: any Channel
        var openedOrder: UInt64
    }

    struct State {
        var acceptor: StreamHandshakeAcceptor?
        var verifier: CertificateVerifier?
        var credentials: StreamCredentials?
        var handshakeSequence: UInt64 = 0
        var budget = VerificationBudget<String>()
        var connections: [ObjectIdentifier: Connection] = [:]
        var pendingBySource: [String: Int] = [:]
        var pendingTotal = 0
        var establishedByPeer: [NodeID: Int] = [:]
        var establishedTotal = 0
        var order: UInt64 = 0
    }

    let limits: StreamLimits
    let metrics: NodeMetrics?
    /// Seals outbound frames and opens inbound ones (a no-op in an open cluster).
    let keyring: SharedKeyring
    private let state = NIOLockedValueBox(State())

    init(limits: StreamLimits, metrics: NodeMetrics?, keyring: SharedKeyring = SharedKeyring(nil)) {
        self.limits = limits
        self.metrics = metrics
        self.keyring = keyring
    }

    func configure(
        acceptor: StreamHandshakeAcceptor, credentials: StreamCredentials, verifier: CertificateVerifier
    ) {
        state.withLockedValue { state in
            state.acceptor = acceptor
            state.credentials = credentials
            state.verifier = verifier
        }
    }

    func update(verifier: CertificateVerifier) {
        state.withLockedValue { $0.verifier = verifier }
    }

    /// The next handshake to open a stream to `recipient` with, or nil before `configure`.
    func nextHandshake(to recipient: NodeID) -> [UInt8]? {
        let taken = state.withLockedValue { state -> (StreamCredentials, UInt64)? in
            guard let credentials = state.credentials else { return nil }
            state.handshakeSequence += 1
            return (credentials, state.handshakeSequence)
        }
        guard let (credentials, sequence) = taken else { return nil }
        let handshake = try? StreamHandshake.signed(
            cluster: credentials.cluster, recipient: recipient, bootEpoch: credentials.bootEpoch,
            sequence: sequence,
            keyPair: credentials.keyPair
        ).encoded()
        return handshake.map(keyring.seal)
    }

    /// Registers a new inbound connection as pending; returns the reason to refuse it instead.
    func open(_ channel: any Channel, source: String) -> String? {
        state.withLockedValue { state in
            guard state.acceptor != nil else { return "not_ready" }
            guard state.pendingTotal < limits.pendingTotal else { return "cap_pending_total" }
            guard state.pendingBySource[source, default: 0] < limits.pendingPerSource else {
                return "cap_pending_source"
            }
            state.order += 1
            state.connections[ObjectIdentifier(channel)] = Connection(
                source: source, peer: nil, channel: channel, openedOrder: state.order)
            state.pendingBySource[source, default: 0] += 1
            state.pendingTotal += 1
            return nil
        }
    }

    enum HandshakeOutcome {
        case accepted(NodeID, closing: [any Channel])
        case refused(String)
    }

    /// Checks the handshake of a pending connection; on success moves it to the established
    /// table (closing the peer's oldest connection past `establishedPerPeer`).
    func authenticate(_ channel: any Channel, handshake: ArraySlice<UInt8>, now: UInt64) -> HandshakeOutcome {
        state.withLockedValue { state in
            let key = ObjectIdentifier(channel)
            guard let connection = state.connections[key], connection.peer == nil else {
                return .refused("unknown_connection")
            }
            guard var acceptor = state.acceptor, let verifier = state.verifier else {
                return .refused("not_ready")
            }
            let claimed = (try? StreamHandshake(decoding: handshake))?.sender ?? .zero
            let lane = "\(connection.source)|\(claimed)"
            let admitted = state.budget.admit(lane, now: now)
            guard admitted == .allowed else { return .refused("handshake_\(admitted.label)") }
            let result = acceptor.accept(handshake, verifier: verifier)
            state.acceptor = acceptor
            let peer: NodeID
            switch result {
            case let .failure(rejection):
                if case .badSignature = rejection { state.budget.record(lane, verified: false, now: now) }
                return .refused(rejection.label)
            case let .success(sender):
                state.budget.record(lane, verified: true, now: now)
                peer = sender
            }
            guard state.establishedTotal < limits.establishedTotal else {
                return .refused("cap_established_total")
            }
            state.pendingBySource[connection.source, default: 1] -= 1
            if state.pendingBySource[connection.source] == 0 {
                state.pendingBySource[connection.source] = nil
            }
            state.pendingTotal -= 1
            state.connections[key]?.peer = peer
            state.establishedByPeer[peer, default: 0] += 1
            state.establishedTotal += 1
            var closing: [any Channel] = []
            let excess = state.establishedByPeer[peer, default: 0] - limits.establishedPerPeer
            if excess > 0 {
                closing = state.connections.values.filter { $0.peer == peer && $0.channel !== channel }
                    .sorted { $0.openedOrder < $1.openedOrder }.prefix(excess).map(\.channel)
            }
            return .accepted(peer, closing: closing)
        }
    }

    /// Forgets a closed connection.
    func closed(_ channel: any Channel) {
        state.withLockedValue { state in
            guard let connection = state.connections.removeValue(forKey: ObjectIdentifier(channel)) else {
                return
            }
            if let peer = connection.peer {
                state.establishedByPeer[peer, default: 1] -= 1
                if state.establishedByPeer[peer] == 0 { state.establishedByPeer[peer] = nil }
                state.establishedTotal -= 1
            } else {
                state.pendingBySource[connection.source, default: 1] -= 1
                if state.pendingBySource[connection.source] == 0 {
                    state.pendingBySource[connection.source] = nil
                }
                state.pendingTotal -= 1
            }
        }
    }

    /// Open inbound connections: waiting for their handshake, and authenticated.
    var counts: (pending: Int, established: Int) {
        state.withLockedValue { ($0.pendingTotal, $0.establishedTotal) }
    }
}
