import GossipKVCrypto

/// How `FuzzCertificate` reads its input: the first byte picks what the rest is (modulo the
/// number of modes): 0 is an encoded certificate, 1...4 a key file of the `KeyFileKind` at
/// index selector - 1.
///
/// Certificates are verified against the fixed fuzz cluster at a fixed time, so seeds issued by
/// `MakeCorpus` with the same key and time verify, and mutations exercise every verdict.
public enum CertificateInput {
    public enum Mode: Sendable {
        case certificate
        case keyFile(KeyFileKind)
    }

    /// The fuzz cluster key: a fixed seed, so seeds and the fuzzer agree.
    public static let cluster: ClusterKeyPair = {
        var seed = [UInt8](repeating: 0xC1, count: 32)
        do { return try ClusterKeyPair(seed: SecretBytes(consuming: &seed)) } catch { fatalError("\(error)") }
    }()

    /// A fixed node key of the fuzz cluster.
    public static let node: NodeKeyPair = {
        var seed = [UInt8](repeating: 0x0D, count: 32)
        do { return try NodeKeyPair(seed: SecretBytes(consuming: &seed)) } catch { fatalError("\(error)") }
    }()

    /// "Now" for issuing seeds and verifying inputs (2025-11-24, Unix ms).
    public static let now: UInt64 = 1_764_000_000_000

    public static func selector(_ mode: Mode) -> UInt8 {
        switch mode {
        case .certificate: return 0
        case let .keyFile(kind): return UInt8((KeyFileKind.allCases.firstIndex(of: kind) ?? 0) + 1)
        }
    }

    public static func parse(_ input: [UInt8]) -> (mode: Mode, payload: ArraySlice<UInt8>)? {
        guard let first = input.first else { return nil }
        let kinds = KeyFileKind.allCases
        let index = Int(first) % (kinds.count + 1)
        return (index == 0 ? .certificate : .keyFile(kinds[index - 1]), input.dropFirst())
    }
}
