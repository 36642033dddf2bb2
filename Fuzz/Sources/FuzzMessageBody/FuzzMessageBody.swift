import FuzzSupport
import GossipKVCore

/// Decodes random bytes as a message body (kind and limits from the first byte, see
/// `BodyInput`), with the anti-entropy or the membership codec as the kind says. Properties:
/// decoding never traps or over-allocates (ASan and libFuzzer's malloc limit watch), and
/// whatever decodes re-encodes, under the same limits, to exactly the input.
/// A broken property stops the run on purpose: that is how a fuzz target reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessageBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (kind, limits, body) = BodyInput.parse(input) else { return 0 }
    if kind.isMembership { return fuzzMembershipBody(kind: kind, body) }
    if kind.isDiscovery { return fuzzAnnouncementBody(body) }
    guard let message = try? GossipMessage.decodeBody(kind: kind, body, limits: limits) else { return 0 }
    precondition(message.kind == kind, "decoded a \(message.kind) from a \(kind) body")
    do {
        let encoded = try message.encodedBody(limits: limits)
        precondition(encoded[...] == body, "re-encoding is not canonical for \(message)")
        precondition(encoded.count == message.encodedBodySize, "encodedBodySize disagrees with the encoder")
    } catch {
        preconditionFailure("a decoded message failed to encode: \(error)")
    }
    return 0
}

/// The same properties for the membership codec (which has no `Limits`: its only bound is
/// `MemberUpdate.maxPerMessage`).
func fuzzMembershipBody(kind: MessageKind, _ body: ArraySlice<UInt8>) -> CInt {
    guard let message = try? SWIMMessage.decodeBody(kind: kind, body) else { return 0 }
    precondition(message.kind == kind, "decoded a \(message.kind) from a \(kind) body")
    do {
        let encoded = try message.encodedBody()
        precondition(encoded[...] == body, "re-encoding is not canonical for \(message)")
        precondition(encoded.count == message.encodedBodySize, "encodedBodySize disagrees with the encoder")
    } catch {
        preconditionFailure("a decoded message failed to encode: \(error)")
    }
    return 0
}

/// The same properties for discovery announcements (first contact: the only body read before
/// its sender is known, so the likeliest target of a stranger's bytes).
func fuzzAnnouncementBody(_ body: ArraySlice<UInt8>) -> CInt {
    guard let announcement = try? Announcement(decoding: body) else { return 0 }
    do {
        let encoded = try announcement.encoded()
        precondition(encoded[...] == body, "re-encoding is not canonical for \(announcement)")
    } catch {
        preconditionFailure("a decoded announcement failed to encode: \(error)")
    }
    return 0
}
