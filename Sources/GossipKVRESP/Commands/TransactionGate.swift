import NIOConcurrencyHelpers

/// Makes EXEC one step on this node as far as clients can tell: every command of every
/// connection passes the gate as a shared holder, an EXEC as the only holder. So no other
/// client's command runs between two commands of a transaction, and a transaction sees no
/// half-done command. Replicated writes arriving by gossip are not clients: they can still be
/// applied between two commands of a transaction (see `CommandExecutor.exec`).
///
/// A waiting EXEC stops new shared holders (so a steady stream of commands cannot starve
/// it); they queue behind it and are let in together when it is done. Waits are short (one
/// command, or one transaction of bounded size) and are not cancellable.
final class TransactionGate: Sendable {
    private struct State {
        var sharedHolders = 0
        var exclusiveHeld = false
        var waitingExclusive: [CheckedContinuation<Void, Never>] = []
        var waitingShared: [CheckedContinuation<Void, Never>] = []

        /// Whether a new shared holder may enter without waiting.
        var sharedMayEnter: Bool { !exclusiveHeld && waitingExclusive.isEmpty }
    }

    private let state = NIOLockedValueBox(State())

    /// How many wait to enter, shared and exclusive (for INFO-style reporting and tests).
    var waiting: (shared: Int, exclusive: Int) {
        state.withLockedValue { ($0.waitingShared.count, $0.waitingExclusive.count) }
    }

    /// Runs `body` alongside other shared holders, never during an exclusive one.
    func shared<Result>(_ body: () async -> Result) async -> Result {
        let entered = state.withLockedValue { state in
            guard state.sharedMayEnter else { return false }
            state.sharedHolders += 1
            return true
        }
        if !entered {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let enterNow = state.withLockedValue { state in
                    guard state.sharedMayEnter else {
                        state.waitingShared.append(continuation)
                        return false
                    }
                    state.sharedHolders += 1
                    return true
                }
                if enterNow { continuation.resume() }
            }
        }
        defer { leaveShared() }
        return await body()
    }

    /// Runs `body` as a shared holder when one may enter without waiting; nil (and `body` not
    /// run) otherwise.
    func sharedIfFree<Result>(_ body: () -> Result) -> Result? {
        let entered = state.withLockedValue { state in
            guard state.sharedMayEnter else { return false }
            state.sharedHolders += 1
            return true
        }
        guard entered else { return nil }
        defer { leaveShared() }
        return body()
    }

    /// Runs `body` with no other holder, shared or exclusive.
    func exclusive<Result>(_ body: () async -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enterNow = state.withLockedValue { state in
                guard !state.exclusiveHeld, state.sharedHolders == 0, state.waitingExclusive.isEmpty else {
                    state.waitingExclusive.append(continuation)
                    return false
                }
                state.exclusiveHeld = true
                return true
            }
            if enterNow { continuation.resume() }
        }
        defer { leaveExclusive() }
        return await body()
    }

    private func leaveShared() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.sharedHolders -= 1
            guard state.sharedHolders == 0, !state.waitingExclusive.isEmpty else { return nil }
            state.exclusiveHeld = true
            return state.waitingExclusive.removeFirst()
        }
        next?.resume()
    }

    private func leaveExclusive() {
        let (nextExclusive, sharedToLetIn) = state.withLockedValue {
            state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            // Shared holders that waited go first, so transactions cannot starve them either.
            if !state.waitingShared.isEmpty {
                state.exclusiveHeld = false
                let waiting = state.waitingShared
                state.waitingShared = []
                state.sharedHolders += waiting.count
                return (nil, waiting)
            }
            guard !state.waitingExclusive.isEmpty else {
                state.exclusiveHeld = false
                return (nil, [])
            }
            return (state.waitingExclusive.removeFirst(), [])
        }
        nextExclusive?.resume()
        for continuation in sharedToLetIn { continuation.resume() }
    }
}
