import GossipKVCore

/// Expiry commands. A deadline is an HLC timestamp stored in the entry, so every replica
/// expires the key at the same HLC deadline; relative times count from this node's read time.
extension CommandExecutor {
    /// `now` plus `milliseconds`, or `invalid expire time` when past the 48-bit HLC range.
    static func deadline(after milliseconds: Int64, from now: HLCTimestamp, command: String)
        throws(CommandError)
        -> HLCTimestamp
    {
        let (physical, overflow) = Int64(now.physical).addingReportingOverflow(milliseconds)
        guard !overflow else { throw .invalidExpireTime(command: command) }
        return try deadline(atUnixMilliseconds: physical, command: command)
    }

    /// A Unix time in milliseconds as an HLC deadline; negative times are the epoch (long past).
    static func deadline(atUnixMilliseconds milliseconds: Int64, command: String) throws(CommandError)
        -> HLCTimestamp
    {
        guard milliseconds <= Int64(HLCTimestamp.maxPhysical) else {
            throw .invalidExpireTime(command: command)
        }
        return HLCTimestamp(physical: UInt64(Swift.max(milliseconds, 0)))
    }

    /// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX / XX / GT / LT (Redis 7). A deadline already
    /// past deletes the key, as in Redis.
    func expire(_ args: Arguments, unit: Int64, absolute: Bool) async throws -> CommandOutcome {
        let command = args.option(0)
        let amount = try args.integer(2)
        var nx = false
        var xx = false
        var gt = false
        var lt = false
        for index in 3..<Swift.max(args.count, 3) {
            switch args.option(index) {
            case "nx": nx = true
            case "xx": xx = true
            case "gt": gt = true
            case "lt": lt = true
            default: throw CommandError.incompatibleOptions("Unsupported option \(args.string(index))")
            }
        }
        if nx && (xx || gt || lt) {
            throw CommandError.incompatibleOptions(
                "NX and XX, GT or LT options at the same time are not compatible")
        }
        if gt && lt {
            throw CommandError.incompatibleOptions("GT and LT options at the same time are not compatible")
        }

        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw CommandError.invalidExpireTime(command: command) }
        let now = await backend.readTime()
        let deadline =
            absolute
            ? try Self.deadline(atUnixMilliseconds: milliseconds, command: command)
            : try Self.deadline(after: milliseconds, from: now, command: command)

        guard let held = await backend.entry(args[1]), let value = held.visibleValue(at: now) else {
            return CommandOutcome(.integer(0))
        }
        // No deadline counts as infinite: GT never applies to it, LT always does.
        if nx && held.expiry != nil { return CommandOutcome(.integer(0)) }
        if xx && held.expiry == nil { return CommandOutcome(.integer(0)) }
        if gt {
            guard let current = held.expiry, deadline > current else { return CommandOutcome(.integer(0)) }
        }
        if lt, let current = held.expiry, deadline >= current { return CommandOutcome(.integer(0)) }

        if deadline <= now {
            _ = try await backend.delete(args[1])
        } else {
            _ = try await backend.put(args[1], value, expiry: deadline)
        }
        return CommandOutcome(.integer(1))
    }

    /// TTL / PTTL: -2 when the key does not exist, -1 when it has no deadline.
    func timeToLive(_ key: [UInt8], milliseconds: Bool) async -> CommandOutcome {
        let now = await backend.readTime()
        guard let held = await backend.entry(key), held.visibleValue(at: now) != nil else {
            return CommandOutcome(.integer(-2))
        }
        guard let expiry = held.expiry else { return CommandOutcome(.integer(-1)) }
        let remaining = Int64(expiry.physical) - Int64(now.physical)
        return CommandOutcome(.integer(milliseconds ? remaining : (remaining + 500) / 1000))
    }

    /// EXPIRETIME / PEXPIRETIME: the deadline as Unix time; -2 absent, -1 no deadline.
    func expireTime(_ key: [UInt8], milliseconds: Bool) async -> CommandOutcome {
        let now = await backend.readTime()
        guard let held = await backend.entry(key), held.visibleValue(at: now) != nil else {
            return CommandOutcome(.integer(-2))
        }
        guard let expiry = held.expiry else { return CommandOutcome(.integer(-1)) }
        let physical = Int64(expiry.physical)
        return CommandOutcome(.integer(milliseconds ? physical : physical / 1000))
    }

    func persist(_ key: [UInt8]) async throws -> CommandOutcome {
        let now = await backend.readTime()
        guard let held = await backend.entry(key), let value = held.visibleValue(at: now), held.expiry != nil
        else {
            return CommandOutcome(.integer(0))
        }
        _ = try await backend.put(key, value, expiry: nil)
        return CommandOutcome(.integer(1))
    }
}
