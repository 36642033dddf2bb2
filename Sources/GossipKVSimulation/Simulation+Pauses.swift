import GossipKVCore

/// Paused processes (SIGSTOP/SIGCONT, or a VM stalled by its host): the node's clock runs on,
/// what is sent to it waits in its socket buffers, and nothing of it runs until it goes on.
/// Pauses draw from a generator of their own (derived from the seed alone), so adding them
/// changed no other choice of a seed's plan.
extension Simulation {
    /// Plans `SimulationOptions.pauses` pauses in the fault phase and `settlePauses` short ones
    /// in the first two seconds after the heal.
    mutating func planPauses() {
        var draws = SplitMix64(seed: seed ^ 0x9A05_E5_5EED)
        let phase = options.faultPhaseMilliseconds
        let longest = max(options.maxPauseMilliseconds, 100)
        for _ in 0..<options.pauses {
            let node = Int(draws.next() % UInt64(options.nodeCount))
            let length = 100 + draws.next() % (longest - 99)
            schedule(.fault(.pause(node: node, milliseconds: length)), at: start + draws.next() % phase)
        }
        for _ in 0..<options.settlePauses {
            let node = Int(draws.next() % UInt64(options.nodeCount))
            let length = 100 + draws.next() % min(longest - 99, 900)
            schedule(
                .fault(.pause(node: node, milliseconds: length)), at: start + phase + 1 + draws.next() % 2_000
            )
        }
    }

    /// Holds back `event` when it needs a paused node: deliveries, ticks and client operations
    /// wait until the process goes on, in their order (stream frames stay in order). Returns
    /// true when the event was put off.
    mutating func deferredWhilePaused(_ event: Event) -> Bool {
        let node: Int
        switch event {
        case let .deliver(_, to, _, _, _): node = to
        case let .tick(index, _): node = index
        case let .write(index, _, _): node = index
        case let .read(index, _): node = index
        case let .rediscover(index, _): node = index
        default: return false
        }
        let resume = pausedUntil[node]
        guard resume > now else { return false }
        if case let .tick(index, generation) = event {
            // Only the queued tick moves; stale ones are dropped as usual.
            guard nodes[index].queuedTickAt == now else { return true }
            nodes[index].queuedTickAt = resume
            schedule(.tick(node: index, generation: generation), at: resume)
            return true
        }
        schedule(event, at: resume)
        return true
    }
}
