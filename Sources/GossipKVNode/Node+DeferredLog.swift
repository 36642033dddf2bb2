import GossipKVCore

/// The local writes of the plain batches one turn of the event loop answers are logged together
/// at the end of the turn, and their replies go out after that, as Redis writes its AOF in
/// `beforeSleep` before it sends replies. With 50 unpipelined clients a turn answers dozens of
/// SETs: one `write(2)` for all of them instead of one per client (that syscall was ~11 % of the
/// node's CPU under `redis-benchmark -P 1`). No reply tells of a write the log does not hold: if
/// the append fails, the waiting connections are closed without their replies (the writes stay
/// applied in memory, as after any log failure, `NodeWriteError.notDurable`).
///
/// Log order stays apply order: every other append (remote entries, watermarks, a clock
/// ceiling, a snapshot, closing, an fsync wait) first writes what is deferred.
extension Node {
    /// Queues applied local writes for the append at the end of this turn of the event loop
    /// (the caller runs on the home loop: `performNow`). The same verdict `persist` would give
    /// now: false when the data directory already failed or closed.
    func deferLogging(_ entries: [Entry]) -> Bool {
        guard appendableLog != nil else { return durability == nil }
        if unloggedWrites.isEmpty {
            // Runs after the I/O of this turn: NIO runs tasks once the ready channels are served.
            homeLoop.execute { [self] in
                self.assumeIsolated { $0.writeUnloggedWrites() }
            }
        }
        unloggedWrites.append(contentsOf: entries)
        return true
    }

    /// Keeps `body` until the deferred writes are logged; false when none are waiting.
    func afterDeferredLogWrite(_ body: @escaping @Sendable (Bool) -> Void) -> Bool {
        guard !unloggedWrites.isEmpty else { return false }
        unloggedWriteWaiters.append(body)
        return true
    }

    /// Appends the deferred writes with one `write(2)`, then releases the replies waiting for
    /// them. Also called before every other append.
    func writeUnloggedWrites() {
        guard !unloggedWrites.isEmpty else { return }
        let entries = unloggedWrites
        unloggedWrites = []
        let logged = appendToLog(entries)
        let waiters = unloggedWriteWaiters
        unloggedWriteWaiters = []
        for waiter in waiters { waiter(logged) }
    }
}
