/// The password clients must give before any other command (Redis's `requirepass`, the
/// password of the `default` user).
///
/// `matches` compares in constant time: it always walks every byte of the configured password
/// and folds the differences together without stopping early, so how long a refusal takes
/// does not tell an attacker how many leading bytes were right. (GossipKVRESP does not link
/// libsodium; this loop is the same technique as `sodium_memcmp`, extended to attempts of a
/// different length, whose length mismatch is folded in rather than returned early.)
///
/// The description never shows the password, so logging a configuration does not leak it.
public struct ClientPassword: Sendable, Equatable, CustomStringConvertible {
    private let secret: [UInt8]

    /// Nil for an empty password: an empty `requirepass` means "no password" in Redis too.
    public init?(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return nil }
        secret = bytes
    }

    public init?(_ text: String) { self.init(Array(text.utf8)) }

    /// Whether `attempt` is the password, in time that depends only on the configured
    /// password's length.
    @inline(never)
    public func matches(_ attempt: [UInt8]) -> Bool {
        var difference: UInt8 = 0
        let attemptCount = max(attempt.count, 1)
        for index in secret.indices {
            // An attempt of another length is walked cyclically (it is refused below anyway), so
            // the loop's length and work never depend on the attempt.
            let other = attempt.isEmpty ? 0 : attempt[index % attemptCount]
            difference |= secret[index] ^ other
        }
        return difference == 0 && secret.count == attempt.count
    }

    public var description: String { "ClientPassword(\(secret.count) bytes, redacted)" }
}
