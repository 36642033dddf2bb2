import NIOCore

/// Plain GETs and SETs of a pipelined batch, run through `RESPBackend.perform` in one call: the
/// connection's fast path (one hop to the node per run of them instead of one or more per
/// command). Replies and effects are those `execute` gives for the same commands.
extension CommandExecutor {
    /// The operation of `command` when it is a plain `GET key` or `SET key value` that this
    /// session runs at once: nil inside MULTI (it is queued), while subscribed (RESP2
    /// refuses it) and before authentication (refused), and for anything else.
    public static func plainOperation(_ command: RESPCommand, _ session: ClientSession) -> RESPOperation? {
        let words = command.arguments
        // Cheap checks first: this runs for every command of every batch.
        guard words.count == 2 || words.count == 3, words[0].count == 3, !session.isInTransaction,
            !session.isSubscribed, !session.awaitsAuthentication
        else { return nil }
        // The name compared as bytes: `command.name` builds a lower-cased String (two
        // allocations per command). `| 0x20` lower-cases a letter; no other byte maps to one.
        let name = words[0]
        guard name[1] | 0x20 == UInt8(ascii: "e"), name[2] | 0x20 == UInt8(ascii: "t") else { return nil }
        switch (name[0] | 0x20, words.count) {
        case (UInt8(ascii: "g"), 2): return .get(key: words[1])
        case (UInt8(ascii: "s"), 3): return .put(key: words[1], value: words[2])
        default: return nil
        }
    }

    /// Runs plain operations in order, in one backend call; one reply each.
    public func executePlain(_ operations: [RESPOperation]) async -> [RESPValue] {
        server.update { $0.commandsProcessed += operations.count }
        let results = await gate.shared { await backend.perform(operations) }
        return results.map(Self.reply)
    }

    /// Runs plain operations as `executePlain(_:)` does and appends their replies to `buffer`
    /// in `version`, byte for byte the same, without building a reply value array first (this
    /// is the pipelined hot path: one array and a reply value per command fewer).
    public func executePlain(
        _ operations: [RESPOperation], into buffer: inout ByteBuffer, as version: RESPProtocolVersion
    ) async {
        server.update { $0.commandsProcessed += operations.count }
        let results = await gate.shared { await backend.perform(operations) }
        Self.write(results, into: &buffer, as: version)
    }

    /// `executePlain(_:into:as:)` on the calling thread (the connection's event loop), when the
    /// backend can run the batch there without waiting (`RESPBackend.performNow`) and no
    /// transaction holds the gate; false, with nothing run or written, otherwise.
    public func executePlainNow(
        _ operations: [RESPOperation], into buffer: inout ByteBuffer, as version: RESPProtocolVersion
    ) -> Bool {
        guard let ran = gate.sharedIfFree({ backend.performNow(operations) }), let results = ran else {
            return false
        }
        server.update { $0.commandsProcessed += operations.count }
        Self.write(results, into: &buffer, as: version)
        return true
    }

    /// `RESPBackend.afterDeferredLogWrite`: call right after `executePlainNow` wrote replies.
    public func afterDeferredLogWrite(_ body: @escaping @Sendable (_ logged: Bool) -> Void) -> Bool {
        backend.afterDeferredLogWrite(body)
    }

    private static func write(
        _ results: [RESPOperationResult], into buffer: inout ByteBuffer, as version: RESPProtocolVersion
    ) {
        for result in results {
            if case .written = result {
                buffer.writeStaticString("+OK\r\n")
            } else if case let .value(bytes?) = result {
                buffer.writeRESPBulk(bytes)
            } else {
                buffer.writeRESPValue(Self.reply(result), as: version)
            }
        }
    }

    /// The reply to one plain operation's result.
    static func reply(_ result: RESPOperationResult) -> RESPValue {
        switch result {
        case let .value(bytes): .bulkString(bytes)
        case .written: .ok
        case let .refused(message): CommandError.refused(message).reply
        }
    }
}
