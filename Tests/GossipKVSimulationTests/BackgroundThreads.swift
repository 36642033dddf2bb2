import Foundation
import GossipKVSimulation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU-bound test work (simulated schedules) on threads of its own, at a lower priority.
///
/// Not on Swift concurrency's cooperative pool, and not on GCD either: on Linux both are one
/// libdispatch thread pool that adds a worker only when the busy ones block, so schedules that
/// keep every worker busy for minutes leave none for the async tests beside them (nodes on
/// sockets, their timers, their storage's fsync queue). In the full suite on 2 cores that held
/// back trivial tests for 400 s and made socket tests time out. Plain threads are scheduled by
/// the kernel beside the pool's, and at nice 10 they yield to it when both want a core.
enum BackgroundThreads {
    /// Runs `body` on a new thread and returns its result. The thread ends before the result
    /// is handed back, so nothing it touched is shared afterwards.
    static func run<Result>(_ body: @escaping () -> Result) async -> Result {
        let work = Handover(body)
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Handover<Result>, Never>) in
            let thread = Thread {
                lowerPriority()
                continuation.resume(returning: Handover(work.value()))
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        return result.value
    }

    /// A new simulation, advanced by `milliseconds` of simulated time, off the pool.
    static func simulation(seed: UInt64, options: SimulationOptions, advancedBy milliseconds: UInt64 = 0)
        async -> Simulation
    {
        await run {
            var simulation = Simulation(seed: seed, options: options)
            if milliseconds > 0 { simulation.advance(by: milliseconds) }
            return simulation
        }
    }

    /// Runs `simulation` to its end off the pool: the simulation as it ended and its report.
    static func finish(_ simulation: Simulation) async -> (Simulation, SimulationReport) {
        await run {
            var finished = simulation
            let report = finished.run()
            return (finished, report)
        }
    }

    /// Calls `body` once for each index in `0..<count`, on one thread per core.
    static func forEach(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
        let next = NextIndex()
        let workers = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    await run {
                        while let index = next.take(below: count) { body(index) }
                    }
                }
            }
        }
    }

    /// Nice 10 for the calling thread only: Linux applies `setpriority` to a thread id, read
    /// from `/proc/thread-self` (Glibc's `gettid` is not imported into Swift here).
    private static func lowerPriority() {
        #if canImport(Glibc)
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
                let last = link.split(separator: "/").last, let threadID = id_t(last)
            else { return }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), threadID, 10)
        #endif
    }
}

/// A value handed from one thread to the next, never used by both at once.
private final class Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The next index for a pool of workers.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
