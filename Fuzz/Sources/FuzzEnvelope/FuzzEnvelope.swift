import FuzzSupport
import GossipKVCore

/// Opens random bytes as envelopes from the fixed fuzz identity (see `FuzzIdentity`), twice:
///
/// 1. As they are: a stranger's or an attacker's bytes. Mutations almost never carry a valid
///    checksum, so this mode mostly exercises the checks before the signature.
/// 2. Re-signed, as a certified but broken peer would send them: the body length field and the
///    last 8 bytes (the authenticator) are set right, so the bytes reach the replay guard and the
///    body decoder.
///
/// Properties: the opener never traps or over-allocates; an accepted envelope re-seals to the
/// same bytes (the format is canonical); the same bytes opened again are a replay; and a
/// transport limit only ever adds an `oversize` verdict. A broken property stops the run on
/// purpose: that is how a fuzz target reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let frame = Array(UnsafeBufferPointer(start: data, count: size))
    checkProperties(of: frame)
    if let signed = resigned(frame) { checkProperties(of: signed) }
    return 0
}

/// `frame` with a consistent body length and a valid checksum, when it is long enough.
func resigned(_ frame: [UInt8]) -> [UInt8]? {
    let authenticatorLength = FuzzIdentity.signer.authenticatorLength
    let bodyLength = frame.count - EnvelopeHeader.encodedLength - authenticatorLength
    guard bodyLength >= 0, let wireLength = UInt32(exactly: bodyLength) else { return nil }
    var signed = Array(frame.prefix(frame.count - authenticatorLength))
    let lengthField = EnvelopeHeader.encodedLength - 4
    for offset in 0..<4 { signed[lengthField + offset] = UInt8(truncatingIfNeeded: wireLength >> (24 - 8 * UInt32(offset))) }
    return signed + FuzzIdentity.checksum(signed[...])
}

func checkProperties(of frame: [UInt8]) {
    var opener = FuzzIdentity.opener()
    let first = opener.open(frame, maxBytes: .max, verifier: FuzzIdentity.verifier)
    var datagramOpener = FuzzIdentity.opener()
    let datagramLimit = Limits.standard.maxDatagramBytes
    let datagram = datagramOpener.open(frame, maxBytes: datagramLimit, verifier: FuzzIdentity.verifier)
    if frame.count <= datagramLimit {
        precondition(datagram == first, "the transport limit changed the verdict on a frame within it")
    } else {
        precondition(datagram.failure == .oversize(size: frame.count, limit: datagramLimit), "no oversize verdict")
    }
    guard case let .success(opened) = first else { return }
    do {
        let resealed = try Envelope.seal(header: opened.header, message: opened.message, signer: FuzzIdentity.signer)
        precondition(resealed == frame, "an accepted envelope does not re-seal to the same bytes: \(opened)")
    } catch {
        preconditionFailure("an accepted envelope failed to re-seal: \(error)")
    }
    let second = opener.open(frame, maxBytes: .max, verifier: FuzzIdentity.verifier)
    precondition(second.failure == .replay(.duplicate), "the same envelope was not rejected as a replay: \(second)")
}

extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
