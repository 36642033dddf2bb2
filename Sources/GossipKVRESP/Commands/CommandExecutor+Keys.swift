import GossipKVCore

/// Keyspace commands: DEL, EXISTS, KEYS, SCAN, FLUSHDB.
extension CommandExecutor {
    /// DEL / UNLINK: writes a tombstone for each key that is live now; absent keys write
    /// nothing (no tombstone for a key nobody sees).
    func delete(_ args: Arguments) async throws -> CommandOutcome {
        var deleted: Int64 = 0
        for index in 1..<args.count where await backend.get(args[index]) != nil {
            _ = try await backend.delete(args[index])
            deleted += 1
        }
        return CommandOutcome(.integer(deleted))
    }

    /// EXISTS counts a key once per time it is named, as Redis does.
    func exists(_ args: Arguments) async -> CommandOutcome {
        var found: Int64 = 0
        for index in 1..<args.count where await backend.get(args[index]) != nil { found += 1 }
        return CommandOutcome(.integer(found))
    }

    func keys(_ args: Arguments) async -> CommandOutcome {
        let pattern = GlobPattern(args[1])
        var live = await backend.keys()
        if !pattern.matchesEverything { live = live.filter(pattern.matches) }
        return CommandOutcome(.bulkArray(live))
    }

    /// SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. Cursors follow `RESPScanPage`'s
    /// order; MATCH and TYPE filter a page after it is cut, as in Redis, so a page may be empty
    /// while the cursor is not 0.
    func scan(_ args: Arguments) async throws -> CommandOutcome {
        let cursorText = args[1]
        guard !cursorText.isEmpty, cursorText.count <= 20,
            cursorText.allSatisfy({ (0x30...0x39).contains($0) }),
            let cursor = UInt64(args.string(1))
        else { throw CommandError.invalidCursor }
        var count = 10
        var pattern: GlobPattern? = nil
        var onlyStrings = true
        var index = 2
        while index < args.count {
            guard index + 1 < args.count else { throw CommandError.syntax }
            switch args.option(index) {
            case "match":
                pattern = GlobPattern(args[index + 1])
            case "count":
                let value = try args.integer(index + 1)
                guard value >= 1 else { throw CommandError.syntax }
                count = Int(Swift.min(value, 1_000_000))
            case "type":
                onlyStrings = args.option(index + 1) == "string"
            default:
                throw CommandError.syntax
            }
            index += 2
        }
        let page = await backend.scan(cursor: cursor, count: count)
        var keys = onlyStrings ? page.keys : []
        if let pattern, !pattern.matchesEverything { keys = keys.filter(pattern.matches) }
        return CommandOutcome(.array([.bulk(String(page.nextCursor)), .bulkArray(keys)]))
    }

    /// FLUSHDB / FLUSHALL [ASYNC|SYNC]: a tombstone for every live key, so the flush replicates
    /// and an older write arriving later does not bring a key back. Costs one write per key.
    func flush(_ args: Arguments) async throws -> CommandOutcome {
        if args.count > 2 { throw CommandError.syntax }
        if args.count == 2, !["async", "sync"].contains(args.option(1)) { throw CommandError.syntax }
        for key in await backend.keys() { _ = try await backend.delete(key) }
        return CommandOutcome(.ok)
    }
}
