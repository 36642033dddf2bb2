import GossipKVCore

/// How `FuzzMessageBody` reads its input: the first byte picks the kind (low 7 bits, modulo the
/// number of kinds) and the limits (high bit: tight limits, so the limit checks are reachable
/// with small inputs); the rest is the body.
public enum BodyInput {
    public static let tightLimits: Limits = {
        var limits = Limits()
        limits.maxKeyBytes = 8
        limits.maxValueBytes = 16
        limits.maxEntriesPerMessage = 4
        limits.maxDigestOrigins = 4
        limits.maxChunksPerSync = 8
        return limits
    }()

    public static func selector(kind: MessageKind, tight: Bool) -> UInt8 {
        let index = MessageKind.allCases.firstIndex(of: kind) ?? 0
        return UInt8(index) | (tight ? 0x80 : 0)
    }

    public static func parse(_ input: [UInt8]) -> (
        kind: MessageKind, limits: Limits, body: ArraySlice<UInt8>
    )? {
        guard let first = input.first else { return nil }
        let kinds = MessageKind.allCases
        let kind = kinds[Int(first & 0x7F) % kinds.count]
        return (kind, first & 0x80 != 0 ? tightLimits : .standard, input.dropFirst())
    }
}
