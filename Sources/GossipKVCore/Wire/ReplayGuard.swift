/// Names one message for the replay guard: who sent it, in which run, on which channel, and its
/// sequence number there.
public struct ReplayStamp: Hashable, Sendable {
    public var sender: NodeID
    public var bootEpoch: HLCTimestamp
    public var channel: WireChannel
    public var sequence: UInt64

    public init(sender: NodeID, bootEpoch: HLCTimestamp, channel: WireChannel, sequence: UInt64) {
        self.sender = sender
        self.bootEpoch = bootEpoch
        self.channel = channel
        self.sequence = sequence
    }
}

/// Replay windows for every sender heard from: one per (sender, boot epoch, channel), keeping
/// only each sender's newest boot epoch (DESIGN, "The envelope and authentication").
///
/// A newer boot epoch means the sender restarted with fresh sequence numbers, so its old
/// windows are dropped; an older one means a replay of a previous run and is refused.
///
/// Use: `check` before verifying the authenticator (cheap, drops replays before the 50 µs
/// signature check), then `record` only after it verified, so a forged packet can neither move a
/// window nor evict a sender.
///
/// Bound: at most `capacity` senders (default 4,096, like `Limits.maxDigestOrigins`), each under
/// 1 KiB (at most three windows of 1,024 bits plus bookkeeping), so a few MiB at most. Only senders whose
/// authenticator verified are ever recorded, so strangers cannot fill it. When it is full a new
/// sender is refused (`tooManySenders`) instead of evicting another: forgetting a sender's
/// window would accept its old messages again. The membership layer MAY call `forget` for a
/// node that left for good; that node's old messages then pass this guard again, so it SHOULD
/// also stop being a known sender to the verifier.
public struct ReplayGuard: Sendable {
    public static let defaultCapacity = 4096

    struct SenderWindows: Sendable {
        var bootEpoch: HLCTimestamp
        var windows: [WireChannel: ReplayWindow] = [:]
    }

    public let capacity: Int
    private var senders: [NodeID: SenderWindows] = [:]

    public init(capacity: Int = ReplayGuard.defaultCapacity) {
        self.capacity = max(capacity, 0)
    }

    /// Senders currently tracked.
    public var senderCount: Int { senders.count }

    /// The boot epoch tracked for `sender`, if any.
    public func bootEpoch(of sender: NodeID) -> HLCTimestamp? { senders[sender]?.bootEpoch }

    /// Whether `stamp` would be accepted now. Changes nothing.
    public func check(_ stamp: ReplayStamp) -> Result<Void, ReplayRejection> {
        guard let known = senders[stamp.sender] else {
            return senders.count < capacity ? .success(()) : .failure(.tooManySenders)
        }
        if stamp.bootEpoch < known.bootEpoch { return .failure(.staleBootEpoch) }
        if stamp.bootEpoch > known.bootEpoch { return .success(()) }
        return (known.windows[stamp.channel] ?? ReplayWindow()).check(stamp.sequence)
    }

    /// Records `stamp` when it is fresh (call only once its authenticator verified). A newer boot
    /// epoch replaces the sender's windows. Returns the same verdict as `check`.
    @discardableResult
    public mutating func record(_ stamp: ReplayStamp) -> Result<Void, ReplayRejection> {
        let verdict = check(stamp)
        guard case .success = verdict else { return verdict }
        var state = senders[stamp.sender] ?? SenderWindows(bootEpoch: stamp.bootEpoch)
        if stamp.bootEpoch > state.bootEpoch { state = SenderWindows(bootEpoch: stamp.bootEpoch) }
        var window = state.windows[stamp.channel] ?? ReplayWindow()
        window.record(stamp.sequence)
        state.windows[stamp.channel] = window
        senders[stamp.sender] = state
        return verdict
    }

    /// Stops tracking `sender` (see the type's note on why this reopens its old messages).
    public mutating func forget(_ sender: NodeID) {
        senders[sender] = nil
    }
}
