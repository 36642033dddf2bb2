import GossipKVCore

/// The older and shorthand string commands clients still send: SETNX, SETEX, PSETEX, GETSET,
/// APPEND, GETEX, MSETNX. Each is a read of the local replica followed by whole-entry writes,
/// like SET's conditional forms: last writer wins across nodes.
extension CommandExecutor {
    /// SETNX key value: 1 when written, 0 when the key was live (Redis 1.0's form of SET NX).
    func setIfAbsent(_ args: Arguments) async throws -> CommandOutcome {
        guard await backend.get(args[1]) == nil else { return CommandOutcome(.integer(0)) }
        _ = try await backend.put(args[1], args[2], expiry: nil)
        return CommandOutcome(.integer(1))
    }

    /// SETEX key seconds value / PSETEX key milliseconds value: SET with EX / PX.
    func setWithExpiry(_ args: Arguments, unit: Int64, command: String) async throws -> CommandOutcome {
        let amount = try args.integer(2)
        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: unit)
        guard amount > 0, !overflow else { throw CommandError.invalidExpireTime(command: command) }
        let now = await backend.readTime()
        let deadline = try Self.deadline(after: milliseconds, from: now, command: command)
        _ = try await backend.put(args[1], args[3], expiry: deadline)
        return CommandOutcome(.ok)
    }

    /// GETSET key value: the old value; the new one is written without a deadline (as SET).
    func getSet(_ args: Arguments) async throws -> CommandOutcome {
        let old = await backend.get(args[1])
        _ = try await backend.put(args[1], args[2], expiry: nil)
        return CommandOutcome(.bulkString(old))
    }

    /// APPEND key value: the new length. The key keeps its deadline, as in Redis (the value is
    /// changed in place there); here the whole new value is written as one entry.
    func append(_ args: Arguments) async throws -> CommandOutcome {
        let now = await backend.readTime()
        let held = await backend.entry(args[1])
        let current = held?.visibleValue(at: now)
        let joined = (current ?? []) + args[2]
        _ = try await backend.put(args[1], joined, expiry: current == nil ? nil : held?.expiry)
        return CommandOutcome(.integer(Int64(joined.count)))
    }

    /// GETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST]: the value, after changing the
    /// deadline as told (Redis 6.2). A deadline already past deletes the key.
    func getWithExpiry(_ args: Arguments) async throws -> CommandOutcome {
        enum Change { case keep, persist, deadline(relative: Bool, milliseconds: Int64) }
        var change = Change.keep
        var index = 2
        var seen = false
        while index < args.count {
            let option = args.option(index)
            guard !seen else { throw CommandError.syntax }
            seen = true
            switch option {
            case "persist":
                change = .persist
            case "ex", "px", "exat", "pxat":
                guard index + 1 < args.count else { throw CommandError.syntax }
                index += 1
                let amount = try args.integer(index)
                let (milliseconds, overflow) = amount.multipliedReportingOverflow(
                    by: option.hasPrefix("e") ? 1000 : 1)
                guard amount > 0, !overflow else { throw CommandError.invalidExpireTime(command: "getex") }
                change = .deadline(relative: !option.hasSuffix("at"), milliseconds: milliseconds)
            default:
                throw CommandError.syntax
            }
            index += 1
        }
        let now = await backend.readTime()
        guard let held = await backend.entry(args[1]), let value = held.visibleValue(at: now) else {
            return CommandOutcome(.null)
        }
        switch change {
        case .keep:
            break
        case .persist:
            if held.expiry != nil { _ = try await backend.put(args[1], value, expiry: nil) }
        case let .deadline(relative, milliseconds):
            let deadline =
                relative
                ? try Self.deadline(after: milliseconds, from: now, command: "getex")
                : try Self.deadline(atUnixMilliseconds: milliseconds, command: "getex")
            if deadline <= now {
                _ = try await backend.delete(args[1])
            } else {
                _ = try await backend.put(args[1], value, expiry: deadline)
            }
        }
        return CommandOutcome(.bulkString(value))
    }

    /// MSETNX key value [key value ...]: 1 and every pair written when no key is live, else 0
    /// and nothing written. The check and the writes are atomic on this node only: another node
    /// may write one of the keys concurrently, and last writer wins.
    func msetIfNoneExist(_ args: Arguments) async throws -> CommandOutcome {
        guard (args.count - 1) % 2 == 0 else { throw CommandError.wrongArity(command: "msetnx") }
        for index in stride(from: 1, to: args.count, by: 2) where await backend.get(args[index]) != nil {
            return CommandOutcome(.integer(0))
        }
        _ = try await mset(args)
        return CommandOutcome(.integer(1))
    }
}
