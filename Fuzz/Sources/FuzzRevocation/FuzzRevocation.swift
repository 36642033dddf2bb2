import FuzzSupport
import GossipKVCore
import GossipKVCrypto

/// Everything a node reads about revocation from outside: the first byte picks the decoder
/// (modulo 3): 0, one `NodeRevocation` record; 1, a revocation list's text (`--revocations`, the
/// data directory's `revocations`); 2, a `RevocationNotice` body as members gossip it.
///
/// Properties: no trap, no allocation over 64 MiB; records and notices re-encode to exactly the
/// input; a record verifies only under the fuzz cluster's key and only unaltered; a list
/// verifies only when each of its records does, and its records re-encode to the same list;
/// cutting a notice's content into notices and joining them gives it back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRevocation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let payload = Array(input.dropFirst())
    switch first % 3 {
    case 0: checkRecord(payload)
    case 1: checkList(payload)
    default: checkNotice(payload)
    }
    return 0
}

func checkRecord(_ bytes: [UInt8]) {
    guard let revocation = try? NodeRevocation(encoded: bytes) else { return }
    precondition(revocation.encoded == bytes, "re-encoding is not canonical for a revocation")
    let verifies = (try? revocation.verify(authority: HandshakeInput.authority)) != nil
    if verifies {
        precondition(
            revocation.cluster == CertificateInput.cluster.clusterID,
            "verified a revocation of another cluster")
        // Any change to the signed bytes must break it.
        var altered = bytes
        altered[1 + 16] ^= 0x01
        if let other = try? NodeRevocation(encoded: altered) {
            precondition(
                (try? other.verify(authority: HandshakeInput.authority)) == nil,
                "an altered revocation verified")
        }
    }
    precondition(
        (try? revocation.verify(authority: .open)) == nil, "a revocation verified in the open cluster")
}

func checkList(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let list = try? RevocationList(parsing: text, origin: "fuzz") else { return }
    let allVerify = list.revocations.allSatisfy {
        (try? $0.verify(authority: HandshakeInput.authority)) != nil
    }
    let listVerifies = (try? list.verified(authority: HandshakeInput.authority)) != nil
    precondition(allVerify == listVerifies, "a list verified unlike its records")
    let rewritten =
        RevocationList.header + "\n"
        + list.revocations.map { RevocationList.line(for: $0, comment: "re\nwritten") }.joined(
            separator: "\n")
    guard let again = try? RevocationList(parsing: rewritten, origin: "fuzz") else {
        preconditionFailure("a rewritten list does not parse")
    }
    precondition(again.revocations == list.revocations, "a rewritten list lost or changed records")
}

func checkNotice(_ bytes: [UInt8]) {
    guard let notice = try? RevocationNotice(decoding: bytes[...]) else { return }
    do {
        let encoded = try notice.encoded()
        precondition(encoded == bytes, "re-encoding is not canonical for a notice")
        precondition(encoded.count == notice.encodedSize, "encodedSize disagrees with the encoder")
    } catch {
        preconditionFailure("a decoded notice failed to encode: \(error)")
    }
    for record in notice.records {
        if let revocation = try? NodeRevocation(encoded: record) {
            precondition(revocation.encoded == record)
        }
    }
    let doubled = notice.records + notice.records
    let parts = RevocationNotice.notices(records: doubled, claims: notice.claims + notice.claims)
    precondition(parts.flatMap(\.records) == doubled, "cutting into notices changed the records")
    precondition(
        parts.flatMap(\.claims) == notice.claims + notice.claims, "cutting into notices changed the claims")
    for part in parts {
        precondition(
            part.records.count <= RevocationNotice.maxRecords
                && part.claims.count <= RevocationNotice.maxClaims)
        precondition((try? part.encoded()) != nil, "a notice cut to the bounds does not encode")
    }
}
