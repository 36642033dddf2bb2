import Foundation
import Testing

/// Runs each job of a task on a thread of its own instead of Swift concurrency's pool.
///
/// On Linux the pool has one thread per core and adds none when they block. A test that waits
/// on a child process, a blocking socket or a polling loop holds one of them for as long as it
/// waits (minutes, for the namespace tests), and on a 2-core machine two such tests stop every
/// async test in the process: nodes whose actors never run answer nobody, and socket tests
/// time out (CI saw that as 30-120 s "no answer" failures; thread dumps showed both pool threads
/// in `waitUntilExit` and `read`). A task that prefers this executor blocks only its own thread,
/// and stays the same task, so `#expect` still knows its test.
public final class OwnThreadExecutor: TaskExecutor {
    public static let shared = OwnThreadExecutor()

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { job.runSynchronously(on: executor) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A trait that runs a test, or every test of a suite, on `OwnThreadExecutor`: for tests that
/// block (child processes, blocking clients, `Thread.sleep` polling).
public struct OwnThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Blocking work in this test (or suite) runs on threads of its own (`OwnThreadExecutor`).
    public static var ownThreads: Self { OwnThreadsTrait() }
}

/// Runs `body` on `OwnThreadExecutor`: a blocking call inside an otherwise async test.
public func onOwnThread<Result>(_ body: () async throws -> Result) async rethrows -> Result {
    try await withTaskExecutorPreference(OwnThreadExecutor.shared, operation: body)
}
