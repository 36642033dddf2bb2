import DequeModule

/// Envelopes whose authenticator failed, remembered so that resending one costs a table lookup
/// instead of another signature verification.
///
/// The replay window cannot do this: it is moved only by verified messages (a forgery must never
/// move it, or it could make a later genuine message look like a replay), so a forged envelope
/// with a fresh sequence number passes it every time it is resent. The memo keys each failure by
/// its `ReplayStamp` and a fingerprint of the whole envelope: SipHash-2-4 under a secret key
/// the shell draws at start (`StableHasher` with another key), so nobody outside can aim a
/// collision.
///
/// Why the whole envelope and not the stamp alone: a forger may copy a genuine stamp (sender,
/// boot epoch, channel, sequence) before the genuine envelope arrives, or tamper with the body of
/// a genuine envelope in flight. A memo of stamps would then drop the genuine envelope unread.
/// Keyed by content, a genuine envelope is refused only if its bytes equal a failed one's (which
/// cannot be: the same bytes verify the same way) or its 64-bit keyed fingerprint collides with
/// a failed one's under a key the forger never sees (about 2^-64 per try). What a forger can
/// still do is vary the bytes: each variant costs one verification, which the verification
/// budget (`VerificationBudget`) bounds.
///
/// Bound: `capacity` stamps (default 4,096), each with at most `fingerprintsPerStamp` (4), about
/// 100 bytes each; the oldest stamp goes first. A stamp is dropped whatever happens to it later:
/// once the genuine sender's window moves past it, the replay check refuses it anyway.
public struct ForgeryMemo: Sendable {
    public static let defaultCapacity = 4_096
    public static let fingerprintsPerStamp = 4

    public let capacity: Int
    private let key0: UInt64
    private let key1: UInt64
    private var failed: [ReplayStamp: [UInt64]] = [:]
    private var order: Deque<ReplayStamp> = []

    /// `key0`/`key1`: the fingerprint key; the shell MUST pass random words (the defaults are
    /// for tests and the simulator).
    public init(
        capacity: Int = ForgeryMemo.defaultCapacity, key0: UInt64 = 0x6D65_6D6F, key1: UInt64 = 0x666F_7267
    ) {
        self.capacity = max(1, capacity)
        self.key0 = key0
        self.key1 = key1
    }

    /// Stamps remembered now.
    public var count: Int { failed.count }

    /// Whether `envelope` (all its bytes) under `stamp` already failed its authenticator check.
    /// Hashes the envelope only when the stamp itself is remembered, so genuine traffic never
    /// pays for it.
    public func isKnownForgery(_ envelope: ArraySlice<UInt8>, stamp: ReplayStamp) -> Bool {
        guard let fingerprints = failed[stamp] else { return false }
        return fingerprints.contains(fingerprint(of: envelope))
    }

    /// Remembers that `envelope` under `stamp` failed its authenticator check.
    public mutating func recordFailure(_ envelope: ArraySlice<UInt8>, stamp: ReplayStamp) {
        let print = fingerprint(of: envelope)
        if var fingerprints = failed[stamp] {
            guard !fingerprints.contains(print) else { return }
            if fingerprints.count >= Self.fingerprintsPerStamp { fingerprints.removeFirst() }
            fingerprints.append(print)
            failed[stamp] = fingerprints
            return
        }
        if failed.count >= capacity, let oldest = order.popFirst() { failed[oldest] = nil }
        failed[stamp] = [print]
        order.append(stamp)
    }

    private func fingerprint(of envelope: ArraySlice<UInt8>) -> UInt64 {
        var hasher = StableHasher(key0: key0, key1: key1)
        hasher.combine(UInt64(envelope.count))
        envelope.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }
}
