/// The clock check of a received message, for the messages the engine does not handle itself.
extension GossipEngine {
    /// Merges `senderClock`, the HLC of a received message's envelope, into this replica's clock
    /// (a receive event, Kulkarni et al. 2014), unless it is more than the max clock offset
    /// ahead of `now` (physical milliseconds): then the clock is left unchanged and the answer
    /// is false, and the shell MUST drop the message and count it as
    /// `GossipRejection.messageClockTooFarAhead`, as `receive` does for anti-entropy messages.
    /// Membership messages pass the same check (DESIGN, "Data model and ordering": one bad clock
    /// must not poison the cluster), and their updates are bounded by the clock it admits
    /// (`Membership.isWithinReach`).
    ///
    /// With `sender`, the clock is also a sample for clock fencing (`GossipEngine+Fencing.swift`),
    /// taken as of `receivedAt` when given (see `notePeerClock`).
    public mutating func observeClock(
        _ senderClock: HLCTimestamp, from sender: NodeID? = nil, now: UInt64, receivedAt: UInt64? = nil
    ) -> Bool {
        if let sender { notePeerClock(sender, clock: senderClock, now: now, receivedAt: receivedAt) }
        do {
            try replica.observe(senderClock, physical: now)
            return true
        } catch {
            return false
        }
    }
}
