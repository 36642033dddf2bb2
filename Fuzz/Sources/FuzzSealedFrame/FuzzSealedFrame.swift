import FuzzSupport
import GossipKVCore
import GossipKVCrypto

/// The confidentiality layer of a closed cluster (`SealedFrame`, `DataKeyring.open`), in the
/// order a node runs it: open the sealed frame, then open the envelope inside.
///
/// The first input byte picks the mode; the rest is the payload:
/// - even: the payload is a sealed frame as it comes off the wire (a stranger's bytes). The
///   layout parser and the keyring's open never trap or over-allocate; a refusal is the
///   parser's own verdict, or `unknownKey` exactly when the key id is not installed, else
///   `badSeal` (random bytes never carry a valid Poly1305 tag).
/// - odd: the payload is an envelope a member seals under the primary key. It must open to the
///   same bytes under the same keyring, be refused as `unknownKey` by a keyring without that
///   key, and be refused (never trap) with any single byte flipped; the envelope inside then
///   goes through the envelope opener as a node's would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSealedFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let mode = input.first else { return 0 }
    let payload = Array(input.dropFirst())
    if mode % 2 == 0 {
        checkWireBytes(payload)
    } else {
        checkRoundTrip(payload, flip: Int(mode / 2))
    }
    return 0
}

let primaryKey = fixedKey(0x11)
let otherKey = fixedKey(0x22)
let keyring = DataKeyring(primary: primaryKey)
let stranger = DataKeyring(primary: otherKey)
let limit = Limits.standard.maxDatagramBytes

func fixedKey(_ byte: UInt8) -> DataKey {
    var bytes = [UInt8](repeating: byte, count: DataKey.byteCount)
    guard let key = try? DataKey(secret: SecretBytes(consuming: &bytes)) else {
        preconditionFailure("fixed key")
    }
    return key
}

func checkWireBytes(_ bytes: [UInt8]) {
    let parsed = SealedFrame.parse(bytes[...], maxBytes: limit)
    let opened = keyring.open(bytes[...], maxBytes: limit)
    switch parsed {
    case let .failure(rejection):
        precondition(opened == .failure(rejection), "open and parse disagree on a malformed frame")
    case let .success(frame):
        precondition(
            frame.ciphertext.count >= SealedFrame.tagByteCount, "a parsed frame without room for its tag")
        if frame.keyID != primaryKey.id {
            precondition(
                opened == .failure(.unknownKey(frame.keyID)), "an unknown key id was not refused as such")
        } else if case let .success(envelope) = opened {
            // Only possible with a forged tag; then the envelope must still be handled.
            var opener = FuzzIdentity.opener()
            _ = opener.open(envelope, maxBytes: limit, verifier: FuzzIdentity.verifier)
        }
    }
}

func checkRoundTrip(_ envelope: [UInt8], flip: Int) {
    let sealed = keyring.seal(envelope)
    precondition(sealed.count == envelope.count + SealedFrame.overhead, "the sealed frame's size is off")
    guard case let .success(opened) = keyring.open(sealed[...], maxBytes: .max), opened == envelope else {
        preconditionFailure("a sealed envelope did not open to itself")
    }
    precondition(
        stranger.open(sealed[...], maxBytes: .max) == .failure(.unknownKey(primaryKey.id)),
        "a keyring without the key did not refuse by key id")
    var tampered = sealed
    tampered[flip % tampered.count] ^= 0x80
    precondition((try? keyring.open(tampered[...], maxBytes: .max).get()) == nil, "a tampered frame opened")
    var opener = FuzzIdentity.opener()
    _ = opener.open(opened, maxBytes: limit, verifier: FuzzIdentity.verifier)
}
