/// `KEYRING` over the Redis protocol (`gossipkv keyring`).
extension NodeClient {
    /// One node's keyring as `KEYRING LIST` reports it.
    struct KeyringReport: Equatable, Sendable {
        var encrypting: Bool
        var primary: String?
        var keys: [String]
    }

    func keyringList() throws(ClientError) -> KeyringReport {
        let reply = try connection.call("KEYRING", "LIST")
        guard case let .array(items?) = reply, items.count == 6 else {
            throw Self.unexpected("KEYRING LIST", reply)
        }
        var report = KeyringReport(encrypting: false, primary: nil, keys: [])
        for index in stride(from: 0, to: items.count, by: 2) {
            guard case let .bulk(name?) = items[index] else { throw Self.unexpected("KEYRING LIST", reply) }
            switch (String(decoding: name, as: UTF8.self), items[index + 1]) {
            case let ("encryption", .integer(flag)): report.encrypting = flag == 1
            case let ("primary", .bulk(id)): report.primary = id.map { String(decoding: $0, as: UTF8.self) }
            case let ("keys", .array(ids?)):
                for id in ids {
                    guard case let .bulk(text?) = id else { throw Self.unexpected("KEYRING LIST", reply) }
                    report.keys.append(String(decoding: text, as: UTF8.self))
                }
            default: throw Self.unexpected("KEYRING LIST", reply)
            }
        }
        return report
    }

    /// Installs a key given in base64; returns its id.
    func keyringInstall(base64: String) throws(ClientError) -> String {
        switch try connection.call("KEYRING", "INSTALL", base64) {
        case let .bulk(id?): return String(decoding: id, as: UTF8.self)
        case let reply: throw Self.unexpected("KEYRING INSTALL", reply)
        }
    }

    /// `KEYRING USE id` or `KEYRING REMOVE id`.
    func keyringChange(_ subcommand: String, keyID: String) throws(ClientError) {
        switch try connection.call("KEYRING", subcommand, keyID) {
        case .simple("OK"): return
        case let reply: throw Self.unexpected("KEYRING \(subcommand)", reply)
        }
    }
}
