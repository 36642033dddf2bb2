/// One plain read or write of a pipelined batch: what `RESPBackend.perform` runs in one call.
/// Only GET key and SET key value (no options) are plain: they need nothing from the backend
/// but the one operation, so a run of them can go to the node in one hop instead of one each.
public enum RESPOperation: Sendable, Equatable {
    case get(key: [UInt8])
    case put(key: [UInt8], value: [UInt8])

    public var isWrite: Bool {
        if case .put = self { true } else { false }
    }
}

/// What one `RESPOperation` did.
public enum RESPOperationResult: Sendable, Equatable {
    /// A GET's value: nil when absent, deleted or expired.
    case value([UInt8]?)
    /// A SET was applied.
    case written
    /// A SET was refused (a limit, a clock behind the cluster): the backend's message.
    case refused(String)
}

extension RESPBackend {
    /// The default never runs them on the caller's thread.
    public func performNow(_ operations: [RESPOperation]) -> [RESPOperationResult]? { nil }

    /// The default defers nothing.
    public func afterDeferredLogWrite(_ body: @escaping @Sendable (_ logged: Bool) -> Void) -> Bool { false }

    /// The default runs the operations one by one through `get` and `put`.
    public func perform(_ operations: [RESPOperation]) async -> [RESPOperationResult] {
        var results: [RESPOperationResult] = []
        results.reserveCapacity(operations.count)
        for operation in operations {
            switch operation {
            case let .get(key):
                results.append(.value(await get(key)))
            case let .put(key, value):
                do {
                    _ = try await put(key, value, expiry: nil)
                    results.append(.written)
                } catch {
                    results.append(.refused(String(describing: error)))
                }
            }
        }
        return results
    }
}
