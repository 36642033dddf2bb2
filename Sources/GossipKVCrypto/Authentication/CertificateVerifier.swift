import GossipKVCore

/// Verifies envelope signatures from the senders this node has admitted: a table from node id
/// to public key, filled only from certificates that verified under the cluster's authority;
/// with `pairKeys`, also the per-pair MACs SWIM messages may carry instead (`PairKeyring`).
///
/// A sender with no entry is unknown (`authenticatorLength(sender:)` returns nil), and the
/// envelope opener drops its message before spending a signature check on it. A value type: the
/// node keeps one, mutates it as announcements arrive, and hands a copy to each `open`.
public struct CertificateVerifier: MessageVerifier {
    /// An admitted sender: its key and when its certificate runs out.
    public struct Sender: Hashable, Sendable {
        public let publicKey: SigningPublicKey
        public let notAfter: UInt64
        public let name: String
    }

    public let authority: CertificateAuthority
    public private(set) var senders: [NodeID: Sender] = [:]
    /// Nodes revoked by the cluster key: never admitted again, whatever certificate they show.
    public private(set) var revoked: Set<NodeID> = []
    /// Pair secrets with the admitted senders, agreed as each is admitted; nil: signatures only.
    public private(set) var pairKeys: PairKeyring?

    public init(authority: CertificateAuthority, pairKeys: PairKeyring? = nil) {
        self.authority = authority
        self.pairKeys = pairKeys
    }

    /// Verifies `certificate` at `now` (Unix ms) and, when valid, admits (or renews) its node.
    /// A rejected certificate leaves the table as it was.
    @discardableResult
    public mutating func admit(_ certificate: NodeCertificate, now: UInt64) -> CertificateVerification {
        guard !revoked.contains(certificate.nodeID) else { return .revoked }
        let verdict = certificate.verify(authority: authority, now: now)
        if verdict.isValid {
            senders[certificate.nodeID] = Sender(
                publicKey: certificate.nodePublicKey, notAfter: certificate.notAfter, name: certificate.name)
            // Our own certificate, or a key no pair can be agreed with: that sender signs.
            try? pairKeys?.agree(with: certificate.nodePublicKey)
        }
        return verdict
    }

    /// Forgets `node` (it left, or was declared dead and its certificate should be re-checked).
    public mutating func remove(_ node: NodeID) {
        senders[node] = nil
        pairKeys?.remove(node)
    }

    /// Forgets `node` and refuses to admit it from now on (the caller checked the revocation).
    public mutating func revoke(_ node: NodeID) {
        senders[node] = nil
        pairKeys?.remove(node)
        revoked.insert(node)
    }

    /// Forgets every sender whose certificate has expired at `now`; returns them, sorted, for the
    /// log. `MessageVerifier` has no clock, so the node MUST call this periodically (each tick).
    @discardableResult
    public mutating func removeExpired(now: UInt64) -> [NodeID] {
        let expired = senders.filter { $0.value.notAfter < now }.keys.sorted()
        for node in expired {
            senders[node] = nil
            pairKeys?.remove(node)
        }
        return expired
    }

    public func authenticatorLength(sender: NodeID) -> Int? {
        senders[sender] == nil ? nil : Ed25519.signatureByteCount
    }

    /// `crypto_sign_verify_detached` over the same digest `Ed25519Signer` signs; its running
    /// time does not depend on where a forged signature differs.
    public func verify(_ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, sender: NodeID)
        -> Bool
    {
        guard let known = senders[sender] else { return false }
        return known.publicKey.isValidSignature(authenticator, over: bytes, context: .message)
    }

    /// Beside signatures, a pair MAC on SWIM messages from a sender we share a pair secret with.
    public func accepts(authenticatorLength length: Int, header: EnvelopeHeader) -> Bool {
        if length == Ed25519.signatureByteCount { return senders[header.sender] != nil }
        return length == PairKeyring.tagByteCount && header.kind.isMembership
            && senders[header.sender] != nil && pairKeys?.contains(header.sender) == true
    }

    public func check(
        _ authenticator: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, header: EnvelopeHeader
    )
        -> AuthenticatorVerdict
    {
        if authenticator.count == Ed25519.signatureByteCount {
            return verify(authenticator, over: bytes, sender: header.sender) ? .verified : .badSignature
        }
        guard accepts(authenticatorLength: authenticator.count, header: header), let pairKeys else {
            return .badPairMAC
        }
        return pairKeys.verify(authenticator, over: bytes, header: header) ? .verified : .badPairMAC
    }
}
