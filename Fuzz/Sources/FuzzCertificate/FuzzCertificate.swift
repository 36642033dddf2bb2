import FuzzSupport
import GossipKVCore
import GossipKVCrypto

/// Decodes random bytes as a node certificate or as a key file (mode from the first byte, see
/// `CertificateInput`). Properties: decoding and verifying never trap or over-allocate; a
/// decoded certificate re-encodes to exactly the input, and if it verifies, the same bytes
/// under another authority or outside the window do not; a decoded key file re-encodes to a
/// file that decodes to the same payload (the format tolerates whitespace, so not byte for byte).
/// A broken property stops the run on purpose: that is how a fuzz target reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCertificate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (mode, payload) = CertificateInput.parse(input) else { return 0 }
    switch mode {
    case .certificate:
        checkCertificate(payload)
    case let .keyFile(kind):
        checkKeyFile(Array(payload), kind: kind)
    }
    return 0
}

func checkCertificate(_ bytes: ArraySlice<UInt8>) {
    guard let certificate = try? NodeCertificate(encoded: bytes) else { return }
    precondition(certificate.encoded[...] == bytes, "re-encoding is not canonical for \(certificate)")
    let closed = CertificateAuthority.closed(clusterPublicKey: CertificateInput.cluster.publicKey)
    let now = CertificateInput.now
    let verdicts = [closed, .open].map { certificate.verify(authority: $0, now: now) }
    precondition(!(verdicts[0].isValid && verdicts[1].isValid), "one certificate valid for two authorities")
    for (authority, verdict) in zip([closed, .open], verdicts) where verdict.isValid {
        precondition(certificate.cluster == authority.clusterID, "valid for a cluster it does not name")
        if certificate.notAfter < .max {
            precondition(
                !certificate.verify(authority: authority, now: certificate.notAfter + 1).isValid,
                "valid after notAfter")
        }
        if certificate.notBefore > 0 {
            precondition(
                !certificate.verify(authority: authority, now: certificate.notBefore - 1).isValid,
                "valid before notBefore")
        }
    }
}

func checkKeyFile(_ contents: [UInt8], kind: KeyFileKind) {
    guard let payload = try? KeyFileFormat.decode(contents, kind: kind, origin: "fuzz") else { return }
    let reencoded = KeyFileFormat.encode(secret: payload, kind: kind)
    do {
        let again = try KeyFileFormat.decode(reencoded, kind: kind, origin: "fuzz")
        precondition(again.constantTimeEquals(payload), "a key file does not survive re-encoding")
    } catch {
        preconditionFailure("a re-encoded key file failed to decode: \(error)")
    }
    if kind == .nodeCertificate {
        let bytes = payload.withUnsafeBytes { Array($0) }
        checkCertificate(bytes[...])
    }
}
