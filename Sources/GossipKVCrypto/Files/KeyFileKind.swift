/// What a gossipkv key file holds. Each kind has its own first line, so a file given in the
/// wrong place (a certificate where the node key belongs) is named as such, not as "malformed".
public enum KeyFileKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case nodeSecretKey = "gossipkv node secret key v1"
    case clusterSecretKey = "gossipkv cluster secret key v1"
    case clusterPublicKey = "gossipkv cluster public key v1"
    case nodeCertificate = "gossipkv node certificate v1"
    /// A cluster data key (`DataKey`): `data.key` beside the node files, or a key to install.
    case clusterDataKey = "gossipkv cluster data key v1"

    /// The file's first line.
    public var header: String { rawValue }

    /// Secret files are created mode 0600 and refused when group or others can access them.
    public var isSecret: Bool {
        switch self {
        case .nodeSecretKey, .clusterSecretKey, .clusterDataKey: return true
        case .clusterPublicKey, .nodeCertificate: return false
        }
    }

    /// The decoded payload's length, or nil for a certificate (its own decoder checks it).
    var payloadLength: Int? {
        switch self {
        case .nodeSecretKey, .clusterSecretKey: return Ed25519.seedByteCount
        case .clusterDataKey: return DataKey.byteCount
        case .clusterPublicKey: return SigningPublicKey.byteCount
        case .nodeCertificate: return nil
        }
    }

    public var description: String {
        switch self {
        case .nodeSecretKey: return "node secret key"
        case .clusterSecretKey: return "cluster secret key"
        case .clusterPublicKey: return "cluster public key"
        case .nodeCertificate: return "node certificate"
        case .clusterDataKey: return "cluster data key"
        }
    }
}
