import GossipKVCore

extension Node {
    /// Makes sure a tick runs at the earliest deadline of the engine, the membership and the
    /// announcement schedule. Called after every input, since any input may move a deadline
    /// earlier (a write arms the 2 ms push window). Also sends the revocations owed to members
    /// that became active during the input, after the input's own replies (`Node+Revocation`).
    func refreshTimer() {
        guard !isShuttingDown else { return }
        sendOwedRevocations()
        var next = min(core.nextTickDeadline, nextAnnounceAt, nextExpiryAt)
        // Logged watermarks waiting for the batch fsync: look again shortly.
        if durability?.pendingDurable.isEmpty == false { next = min(next, WallClock.nowMilliseconds() + 50) }
        guard next < scheduledTickAt else { return }
        scheduledTickAt = next
        tickTask?.cancel()
        let now = WallClock.nowMilliseconds()
        let delay = next > now ? next - now : 0
        tickTask = Task { [weak self] in
            if delay > 0 {
                try? await Task.sleep(for: .milliseconds(Int(min(delay, 60_000))))
            }
            guard !Task.isCancelled else { return }
            await self?.tick()
        }
    }

    func tick() {
        guard !isShuttingDown else { return }
        scheduledTickAt = .max
        let now = WallClock.nowMilliseconds()
        core.noteRunTime(monotonic: WallClock.monotonicMilliseconds(), now: now)
        renewClockCeilingIfNeeded(now: now)
        carryOut(core.tick(now: now))
        if now >= nextAnnounceAt { announce(now: now) }
        sweepExpired(now: now)
        for expired in verifier.removeExpired(now: now) {
            logger.warning("certificate of \(expired) expired; its messages are now refused")
        }
        metrics.hlcPhysicalMilliseconds.record(Int64(engine.replica.clock.last.physical))
        let fence = engine.clockFence(now: now)
        metrics.clockFenced.record(fence == nil ? 0 : 1)
        metrics.clockAheadMilliseconds.record(Int64(clamping: fence?.aheadMilliseconds ?? 0))
        persistDigestIfChanged()
        advanceDurableDigest()
        snapshotIfDue()
        refreshTimer()
    }
}
