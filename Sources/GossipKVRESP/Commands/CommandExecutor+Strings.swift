import GossipKVCore

/// String commands. Conditional and read-modify-write forms read the local replica, then write
/// a whole new entry: concurrent ones on two nodes both succeed locally and the later HLC wins.
extension CommandExecutor {
    /// SET's options, parsed as Redis's `parseExtendedStringArgumentsOrReply` does.
    struct SetOptions {
        enum Condition { case always, ifAbsent, ifPresent }
        enum Expiration { case none, keep, relative(milliseconds: Int64), absolute(unixMilliseconds: Int64) }

        var condition = Condition.always
        var returnOld = false
        var expiration = Expiration.none

        init(_ args: Arguments, from start: Int) throws(CommandError) {
            var index = start
            var sawExpiration = false
            while index < args.count {
                let option = args.option(index)
                let hasValue = index + 1 < args.count
                switch option {
                case "nx", "xx":
                    guard condition == .always else { throw .syntax }
                    condition = option == "nx" ? .ifAbsent : .ifPresent
                case "get":
                    returnOld = true
                case "keepttl":
                    guard !sawExpiration else { throw .syntax }
                    sawExpiration = true
                    expiration = .keep
                case "ex", "px", "exat", "pxat":
                    guard !sawExpiration, hasValue else { throw .syntax }
                    sawExpiration = true
                    index += 1
                    let amount = try args.integer(index)
                    guard amount > 0 else { throw .invalidExpireTime(command: "set") }
                    let (milliseconds, overflow) = amount.multipliedReportingOverflow(
                        by: option.hasPrefix("e") ? 1000 : 1)
                    guard !overflow else { throw .invalidExpireTime(command: "set") }
                    expiration =
                        option.hasSuffix("at")
                        ? .absolute(unixMilliseconds: milliseconds) : .relative(milliseconds: milliseconds)
                default:
                    throw .syntax
                }
                index += 1
            }
        }
    }

    func set(_ args: Arguments) async throws -> CommandOutcome {
        let options = try SetOptions(args, from: 3)
        let key = args[1]
        let now = await backend.readTime()
        let held = await backend.entry(key)
        let old = held?.visibleValue(at: now)
        let skipped: Bool
        switch options.condition {
        case .always: skipped = false
        case .ifAbsent: skipped = old != nil
        case .ifPresent: skipped = old == nil
        }
        let answer: RESPValue = options.returnOld ? .bulkString(old) : .ok
        if skipped { return CommandOutcome(options.returnOld ? .bulkString(old) : .null) }
        let expiry: HLCTimestamp?
        switch options.expiration {
        case .none: expiry = nil
        case .keep: expiry = old == nil ? nil : held?.expiry
        case let .relative(milliseconds):
            expiry = try Self.deadline(after: milliseconds, from: now, command: "set")
        case let .absolute(unixMilliseconds):
            expiry = try Self.deadline(atUnixMilliseconds: unixMilliseconds, command: "set")
        }
        if let expiry, expiry <= now {
            // Already past (an EXAT in the past): Redis deletes the key instead of storing it.
            if old != nil { _ = try await backend.delete(key) }
        } else {
            _ = try await backend.put(key, args[2], expiry: expiry)
        }
        return CommandOutcome(answer)
    }

    func getdel(_ args: Arguments) async throws -> CommandOutcome {
        let value = await backend.get(args[1])
        if value != nil { _ = try await backend.delete(args[1]) }
        return CommandOutcome(.bulkString(value))
    }

    func mget(_ args: Arguments) async -> CommandOutcome {
        var values: [RESPValue] = []
        values.reserveCapacity(args.count - 1)
        for index in 1..<args.count { values.append(.bulkString(await backend.get(args[index]))) }
        return CommandOutcome(.array(values))
    }

    /// MSET writes each pair as its own entry (its own HLC tick). Not atomic across keys: a
    /// write refused halfway leaves the earlier pairs written, and the error says so.
    func mset(_ args: Arguments) async throws -> CommandOutcome {
        guard (args.count - 1) % 2 == 0 else { throw CommandError.wrongArity(command: "mset") }
        for index in stride(from: 1, to: args.count, by: 2) {
            do {
                _ = try await backend.put(args[index], args[index + 1], expiry: nil)
            } catch {
                let written = (index - 1) / 2
                throw CommandError.refused("\(error) (the first \(written) pairs were written)")
            }
        }
        return CommandOutcome(.ok)
    }

    func decrement(_ args: Arguments) async throws -> CommandOutcome {
        let amount = try args.integer(2)
        guard amount != .min else { throw CommandError.overflow }
        return try await increment(args[1], by: -amount)
    }

    /// INCR, DECR, INCRBY, DECRBY: read, add, write back, keeping the key's deadline. Two nodes
    /// incrementing concurrently lose one increment (last writer wins); this is not a counter
    /// CRDT.
    func increment(_ key: [UInt8], by delta: Int64) async throws -> CommandOutcome {
        let now = await backend.readTime()
        let held = await backend.entry(key)
        var current: Int64 = 0
        var expiry: HLCTimestamp? = nil
        if let held, let value = held.visibleValue(at: now) {
            guard let number = RESPInteger.parse(value) else { throw CommandError.notInteger }
            current = number
            expiry = held.expiry
        }
        let (sum, overflow) = current.addingReportingOverflow(delta)
        guard !overflow else { throw CommandError.overflow }
        _ = try await backend.put(key, Array(String(sum).utf8), expiry: expiry)
        return CommandOutcome(.integer(sum))
    }
}
