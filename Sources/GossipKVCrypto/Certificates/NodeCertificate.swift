import GossipKVCore

/// Binds a node's name and public key (hence its id) to a cluster for a window of time.
///
/// In a closed cluster the cluster key signs it (`issue`), and a node hears only senders whose
/// certificate verifies under the cluster public key. In the open cluster (`ClusterID.open`,
/// DESIGN's `default`) each node signs its own (`selfSigned`): that proves only that the sender
/// holds the key behind its id, which is what keeps ids unforgeable when anyone may join.
///
/// The signature covers every other field under `SigningContext.certificate`; the layout is on
/// `NodeCertificate+Codec.swift`. A certificate is plain public data: it can be printed, logged
/// and sent in announcements.
public struct NodeCertificate: Hashable, Sendable {
    /// The layout version this code writes and the only one it reads.
    public static let currentVersion: UInt8 = 1
    /// Longest node name, in UTF-8 bytes.
    public static let maxNameBytes = 64
    /// DESIGN: a certificate is valid for one year (365 days) from issue.
    public static let defaultValidityMilliseconds: UInt64 = 365 * 24 * 3600 * 1000
    /// `issue(now:)` starts the window this much before `now`, so a node whose clock runs a
    /// little behind the issuer's accepts a certificate made a moment ago.
    public static let backdateMilliseconds: UInt64 = 5 * 60 * 1000

    public let version: UInt8
    public let cluster: ClusterID
    public let nodeID: NodeID
    /// The node's human name (for `gossipkv members`, logs): 1...64 UTF-8 bytes, no control
    /// characters, so it can be printed safely. Not unique and not an identity: `nodeID` is.
    public let name: String
    public let nodePublicKey: SigningPublicKey
    /// Start of the validity window, Unix milliseconds, inclusive.
    public let notBefore: UInt64
    /// End of the validity window, Unix milliseconds, inclusive.
    public let notAfter: UInt64
    /// Ed25519 signature by the cluster key (or, for `cluster == .open`, the node's own key).
    public let signature: [UInt8]

    /// True when the node signed its own certificate: exactly the open cluster's certificates.
    public var isSelfSigned: Bool { cluster.isOpen }

    /// Builds a certificate from decoded or freshly signed fields; checks only the shapes that
    /// `validateFields` checks, never the signature.
    init(
        cluster: ClusterID, nodePublicKey: SigningPublicKey, nodeID: NodeID, name: String,
        notBefore: UInt64, notAfter: UInt64, signature: [UInt8]
    ) {
        version = Self.currentVersion
        self.cluster = cluster
        self.nodeID = nodeID
        self.name = name
        self.nodePublicKey = nodePublicKey
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.signature = signature
    }

    /// Certifies `nodePublicKey` as a member of `cluster`'s cluster, valid from `notBefore` to
    /// `notAfter` (Unix ms, inclusive).
    public static func issue(
        nodePublicKey: SigningPublicKey, name: String, by cluster: ClusterKeyPair, notBefore: UInt64,
        notAfter: UInt64
    ) throws(CertificateError) -> NodeCertificate {
        try make(
            cluster: cluster.clusterID, nodePublicKey: nodePublicKey, name: name, notBefore: notBefore,
            notAfter: notAfter, signer: cluster.keys)
    }

    /// Certifies `nodePublicKey` for DESIGN's one year from `now` (Unix ms), backdated by
    /// `backdateMilliseconds` to absorb clock skew.
    public static func issue(
        nodePublicKey: SigningPublicKey, name: String, by cluster: ClusterKeyPair, now: UInt64
    ) throws(CertificateError) -> NodeCertificate {
        let (notBefore, notAfter) = defaultWindow(now: now)
        return try issue(
            nodePublicKey: nodePublicKey, name: name, by: cluster, notBefore: notBefore, notAfter: notAfter)
    }

    /// The open cluster's certificate: `node` vouches for itself.
    public static func selfSigned(
        by node: NodeKeyPair, name: String, notBefore: UInt64, notAfter: UInt64
    ) throws(CertificateError) -> NodeCertificate {
        try make(
            cluster: .open, nodePublicKey: node.publicKey, name: name, notBefore: notBefore,
            notAfter: notAfter,
            signer: node.keys)
    }

    /// A self-signed certificate valid for one year from `now`, backdated like `issue(now:)`.
    public static func selfSigned(by node: NodeKeyPair, name: String, now: UInt64) throws(CertificateError)
        -> NodeCertificate
    {
        let (notBefore, notAfter) = defaultWindow(now: now)
        return try selfSigned(by: node, name: name, notBefore: notBefore, notAfter: notAfter)
    }

    private static func defaultWindow(now: UInt64) -> (UInt64, UInt64) {
        let notBefore = now >= backdateMilliseconds ? now - backdateMilliseconds : 0
        let (notAfter, overflow) = now.addingReportingOverflow(defaultValidityMilliseconds)
        return (notBefore, overflow ? .max : notAfter)
    }

    private static func make(
        cluster: ClusterID, nodePublicKey: SigningPublicKey, name: String, notBefore: UInt64,
        notAfter: UInt64,
        signer: Ed25519KeyPair
    ) throws(CertificateError) -> NodeCertificate {
        try validate(name: name)
        guard notBefore <= notAfter else {
            throw .invalidValidityWindow(notBefore: notBefore, notAfter: notAfter)
        }
        let unsigned = NodeCertificate(
            cluster: cluster, nodePublicKey: nodePublicKey, nodeID: NodeID(publicKey: nodePublicKey),
            name: name,
            notBefore: notBefore, notAfter: notAfter, signature: [])
        let signature = signer.sign([unsigned.signedBytes[...]], context: .certificate)
        return NodeCertificate(
            cluster: cluster, nodePublicKey: nodePublicKey, nodeID: unsigned.nodeID, name: name,
            notBefore: notBefore, notAfter: notAfter, signature: signature)
    }

    /// Throws unless `name` is 1...64 UTF-8 bytes of printable characters (see `nameProblem`).
    public static func validate(name: String) throws(CertificateError) {
        if let problem = nameProblem(name) { throw .invalidName(problem) }
    }

    /// General categories a name may not contain: controls (Cc), format characters (Cf: the
    /// bidi overrides such as U+202E that make `evil\u{202E}gpj.exe` display reversed, zero-width
    /// joiners), line and paragraph separators (Zl, Zp), private-use (Co) and unassigned (Cn)
    /// code points. A name is shown to operators in `members`, logs and metrics labels: what
    /// they read must be what it is.
    static let refusedNameCategories: Set<Unicode.GeneralCategory> = [
        .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned,
    ]

    /// What is wrong with `name`, or nil when it is acceptable. Checked at issue and again when
    /// a certificate is decoded, so a name signed by an older build is refused too.
    static func nameProblem(_ name: String) -> String? {
        let length = name.utf8.count
        guard length > 0 else { return "a node name must not be empty" }
        guard length <= maxNameBytes else {
            return "a node name is at most \(maxNameBytes) UTF-8 bytes; this one has \(length)"
        }
        if let refused = name.unicodeScalars.first(where: {
            refusedNameCategories.contains($0.properties.generalCategory)
        }) {
            let code = String(refused.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            return
                "a node name must be printable: U+\(padded) is a control, format (bidi), separator, "
                + "private-use or unassigned character"
        }
        return nil
    }
}

/// Why a certificate could not be issued.
public enum CertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidName(String)
    case invalidValidityWindow(notBefore: UInt64, notAfter: UInt64)

    public var description: String {
        switch self {
        case let .invalidName(reason):
            return "invalid node name: \(reason); choose another with --name"
        case let .invalidValidityWindow(notBefore, notAfter):
            return "a certificate cannot end (\(notAfter) ms) before it starts (\(notBefore) ms)"
        }
    }
}
