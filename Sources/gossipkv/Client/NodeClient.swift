/// The client commands' operations on one node, over the Redis protocol: the same commands a
/// `redis-cli` user would send, so the CLI needs nothing from a node that other clients lack.
struct NodeClient {
    let connection: RESPConnection

    init(host: String, port: Int, timeout: Double) throws(ClientError) {
        connection = try RESPConnection(host: host, port: port, timeout: timeout)
    }

    /// Authenticates the connection (`AUTH password`), for a node started with a password.
    func authenticate(_ password: [UInt8]) throws(ClientError) {
        switch try connection.call([Array("AUTH".utf8), password]) {
        case .simple("OK"): return
        case let reply: throw Self.unexpected("AUTH", reply)
        }
    }

    /// The value of `key`, or nil when it is absent (never written, deleted or expired).
    func get(_ key: [UInt8]) throws(ClientError) -> [UInt8]? {
        switch try connection.call([Array("GET".utf8), key]) {
        case let .bulk(value): return value
        case let reply: throw Self.unexpected("GET", reply)
        }
    }

    /// Writes `value`; with `expireSeconds` the key expires that long after the write.
    func set(_ key: [UInt8], _ value: [UInt8], expireSeconds: Int? = nil) throws(ClientError) {
        var arguments = [Array("SET".utf8), key, value]
        if let expireSeconds { arguments += [Array("EX".utf8), Array(String(expireSeconds).utf8)] }
        switch try connection.call(arguments) {
        case .simple("OK"): return
        case let reply: throw Self.unexpected("SET", reply)
        }
    }

    /// Deletes `keys`; returns how many of them existed.
    func delete(_ keys: [[UInt8]]) throws(ClientError) -> Int {
        switch try connection.call([Array("DEL".utf8)] + keys) {
        case let .integer(count): return Int(count)
        case let reply: throw Self.unexpected("DEL", reply)
        }
    }

    /// Every live key matching the glob `pattern`, a page at a time (SCAN, so a large map never
    /// arrives as one reply); `page` gets each non-empty page. Keys written during the scan may
    /// or may not appear, as with Redis's SCAN.
    func scanKeys(matching pattern: String, pageSize: Int = 1_000, _ page: ([[UInt8]]) throws -> Void) throws
    {
        var cursor = "0"
        repeat {
            let reply = try connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", String(pageSize))
            guard case let .array(parts?) = reply, parts.count == 2, case let .bulk(next?) = parts[0],
                case let .array(items?) = parts[1]
            else { throw Self.unexpected("SCAN", reply) }
            var keys: [[UInt8]] = []
            for item in items {
                guard case let .bulk(key?) = item else { throw Self.unexpected("SCAN", reply) }
                keys.append(key)
            }
            if !keys.isEmpty { try page(keys) }
            cursor = String(decoding: next, as: UTF8.self)
        } while cursor != "0"
    }

    /// The node's `INFO keyspace cluster`: itself, its members and their lag.
    func clusterInfo() throws(ClientError) -> ClusterInfo {
        switch try connection.call("INFO", "keyspace", "cluster") {
        case let .bulk(text?): return ClusterInfo(parsing: String(decoding: text, as: UTF8.self))
        case let reply: throw Self.unexpected("INFO", reply)
        }
    }

    /// A RESP error becomes `.refused` with the node's words; anything else `.unexpectedReply`.
    static func unexpected(_ command: String, _ reply: RESPReply) -> ClientError {
        if case let .error(message) = reply { return .refused(message: message) }
        return .unexpectedReply(command: command, reply: reply.summary)
    }
}
