import GossipKVCore
import GossipKVCrypto

/// The fixed world of `FuzzHandshake` and `FuzzRevocation`: the fuzz cluster (`CertificateInput`)
/// with its node admitted, and a receiving node id, so seeds made by `MakeCorpus` verify.
public enum HandshakeInput {
    public static let cluster = CertificateInput.cluster.clusterID.rawValue
    public static let receiver = NodeID(high: 0x2EC0_E200, low: 3)
    public static let authority = CertificateAuthority.closed(
        clusterPublicKey: CertificateInput.cluster.publicKey)

    /// Admits the fuzz node, with a certificate issued at `CertificateInput.now`.
    public static let verifier: CertificateVerifier = {
        var verifier = CertificateVerifier(authority: authority)
        do {
            let certificate = try NodeCertificate.issue(
                nodePublicKey: CertificateInput.node.publicKey, name: "node-a", by: CertificateInput.cluster,
                now: CertificateInput.now)
            verifier.admit(certificate, now: CertificateInput.now)
        } catch {
            fatalError("\(error)")
        }
        return verifier
    }()

    /// A handshake from the fuzz node, validly signed.
    public static func signed(sequence: UInt64) -> StreamHandshake {
        StreamHandshake.signed(
            cluster: cluster, recipient: receiver, bootEpoch: HLCTimestamp(physical: CertificateInput.now),
            sequence: sequence, keyPair: CertificateInput.node)
    }
}
