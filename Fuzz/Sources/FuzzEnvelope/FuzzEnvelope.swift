import FuzzSupport
import GossipKVCore

/// Opens random bytes as envelopes from the fixed fuzz identity (see `FuzzIdentity`), twice:
///
/// 1. As they are: a stranger's or an attacker's bytes. Mutations almost never carry a valid
///    checksum, so this mode mostly exercises the checks before the signature.
/// 2. Re-signed, as a certified but broken peer would send them: the body length field and the
///    last 8 bytes (the authenticator) are set right, so the bytes reach the replay guard and the
///    body decoder; and again with the last 4 bytes a short checksum, as a pair MAC closes a
///    SWIM message (taken on membership kinds only).
///
/// Properties: the opener never traps or over-allocates; an accepted envelope re-seals to the
/// same bytes (the format is canonical), and so does an authenticated frame with the signer of
/// its authenticator's length; the same bytes opened again are a replay; and a transport limit
/// only ever adds an `oversize` verdict. A broken property stops the run on
/// purpose: that is how a fuzz target reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let frame = Array(UnsafeBufferPointer(start: data, count: size))
    checkProperties(of: frame)
    if let signed = resigned(frame) { checkProperties(of: signed) }
    if let short = resigned(frame, signer: FuzzIdentity.shortSigner) { checkProperties(of: short) }
    return 0
}

/// `frame` with a consistent body length and a valid authenticator of `signer`'s, when it is long
/// enough.
func resigned(_ frame: [UInt8], signer: some MessageSigner = FuzzIdentity.signer) -> [UInt8]? {
    let authenticatorLength = signer.authenticatorLength
    let bodyLength = frame.count - EnvelopeHeader.encodedLength - authenticatorLength
    guard bodyLength >= 0, let wireLength = UInt32(exactly: bodyLength) else { return nil }
    var signed = Array(frame.prefix(frame.count - authenticatorLength))
    let lengthField = EnvelopeHeader.encodedLength - 4
    for offset in 0..<4 {
        signed[lengthField + offset] = UInt8(truncatingIfNeeded: wireLength >> (24 - 8 * UInt32(offset)))
    }
    return signed + signer.authenticator(for: signed, recipient: FuzzIdentity.receiver)
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
        precondition(
            datagram.failure == .oversize(size: frame.count, limit: datagramLimit), "no oversize verdict")
    }
    checkAuthenticated(frame)
    guard case let .success(opened) = first else { return }
    do {
        let resealed = try Envelope.seal(
            header: opened.header, message: opened.message, signer: FuzzIdentity.signer)
        precondition(resealed == frame, "an accepted envelope does not re-seal to the same bytes: \(opened)")
    } catch {
        preconditionFailure("an accepted envelope failed to re-seal: \(error)")
    }
    let second = opener.open(frame, maxBytes: .max, verifier: FuzzIdentity.verifier)
    precondition(
        second.failure == .replay(.duplicate), "the same envelope was not rejected as a replay: \(second)")
}

/// Every check but the body: an authenticated frame re-seals, header and body as they are, with
/// the signer of its authenticator's length, to the same bytes; a second time it is a replay.
func checkAuthenticated(_ frame: [UInt8]) {
    var opener = FuzzIdentity.opener()
    guard
        case let .success(authentic) = opener.authenticate(
            frame[...], maxBytes: .max, verifier: FuzzIdentity.verifier)
    else { return }
    let authenticatorLength = frame.count - EnvelopeHeader.encodedLength - authentic.body.count
    guard let signer = FuzzIdentity.signer(length: authenticatorLength) else {
        preconditionFailure("a frame opened with a \(authenticatorLength)-byte authenticator no signer makes")
    }
    do {
        let resealed = try Envelope.seal(
            header: authentic.header, body: authentic.body, signer: signer, maxBytes: .max)
        precondition(resealed == frame, "an authenticated frame does not re-seal to the same bytes")
    } catch {
        preconditionFailure("an authenticated frame failed to re-seal: \(error)")
    }
    let again = opener.authenticate(frame[...], maxBytes: .max, verifier: FuzzIdentity.verifier)
    precondition(
        again.failure == .replay(.duplicate), "the same frame was not rejected as a replay: \(again)")
}

extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
