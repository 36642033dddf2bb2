import GossipKVCore

/// Who vouches for a cluster's nodes: the cluster key of a closed cluster, or, in the open
/// cluster, each node for itself.
public enum CertificateAuthority: Hashable, Sendable {
    case closed(clusterPublicKey: SigningPublicKey)
    case open

    /// The cluster id every certificate (and envelope) of this cluster carries.
    public var clusterID: ClusterID {
        switch self {
        case let .closed(key): return ClusterID(publicKey: key)
        case .open: return .open
        }
    }
}

/// The outcome of checking a certificate, so the caller can count and log the exact reason.
public enum CertificateVerification: Hashable, Sendable, CustomStringConvertible {
    case valid
    /// `now` is past `notAfter`: the operator must issue a new certificate.
    case expired(notAfter: UInt64, now: UInt64)
    /// `now` is before `notBefore`: a clock is wrong, or the certificate was issued for later.
    case notYetValid(notBefore: UInt64, now: UInt64)
    /// The certificate belongs to another cluster (or is self-signed where a cluster key is
    /// required, or the reverse).
    case wrongCluster(certificate: ClusterID, expected: ClusterID)
    /// The signature does not verify: the certificate was tampered with or forged.
    case badSignature
    /// The node id is not the hash of the node's public key.
    case nodeIDMismatch
    /// The cluster key revoked this node (`gossipkv cert revoke`); its certificate is void.
    case revoked

    public var isValid: Bool { self == .valid }

    /// A short, stable name for metrics labels.
    public var label: String {
        switch self {
        case .valid: return "valid"
        case .expired: return "expired"
        case .notYetValid: return "not_yet_valid"
        case .wrongCluster: return "wrong_cluster"
        case .badSignature: return "bad_signature"
        case .nodeIDMismatch: return "node_id_mismatch"
        case .revoked: return "revoked"
        }
    }

    public var description: String {
        switch self {
        case .valid:
            return "certificate valid"
        case let .expired(notAfter, now):
            return
                "certificate expired at \(notAfter) ms (now \(now) ms); issue a new one with `gossipkv cert issue`"
        case let .notYetValid(notBefore, now):
            return "certificate not valid before \(notBefore) ms (now \(now) ms); check this machine's clock"
        case let .wrongCluster(certificate, expected):
            return
                "certificate is for cluster \(certificate), not \(expected); use the cluster key or secret of this cluster"
        case .badSignature:
            return "certificate signature does not verify: it was altered or not made by this cluster's key"
        case .nodeIDMismatch:
            return "certificate node id does not match its public key"
        case .revoked:
            return "the node was revoked by the cluster key; it needs a new key and certificate to rejoin"
        }
    }
}

extension NodeCertificate {
    /// Checks a closed cluster's certificate against the cluster public key at `now` (Unix ms).
    public func verify(clusterPublicKey: SigningPublicKey, now: UInt64) -> CertificateVerification {
        verify(authority: .closed(clusterPublicKey: clusterPublicKey), now: now)
    }

    /// Checks a self-signed certificate of the open cluster at `now` (Unix ms).
    public func verifySelfSigned(now: UInt64) -> CertificateVerification {
        verify(authority: .open, now: now)
    }

    /// Checks, in order: the node id matches the key, the cluster is the authority's, the
    /// signature verifies, then the validity window. Identity and signature come before time so
    /// that a forged certificate is reported as forged, not as expired.
    public func verify(authority: CertificateAuthority, now: UInt64) -> CertificateVerification {
        guard nodeID == NodeID(publicKey: nodePublicKey) else { return .nodeIDMismatch }
        let expected = authority.clusterID
        guard cluster == expected else { return .wrongCluster(certificate: cluster, expected: expected) }
        let signerKey: SigningPublicKey
        switch authority {
        case let .closed(clusterPublicKey): signerKey = clusterPublicKey
        case .open: signerKey = nodePublicKey
        }
        guard signerKey.isValidSignature(signature[...], over: [signedBytes[...]], context: .certificate)
        else {
            return .badSignature
        }
        guard now >= notBefore else { return .notYetValid(notBefore: notBefore, now: now) }
        guard now <= notAfter else { return .expired(notAfter: notAfter, now: now) }
        return .valid
    }
}
