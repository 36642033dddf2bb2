/// What `KEYRING` asks of a backend: the node's data keys (issue 13, item 1). `gossipkv keyring`
/// sends these to every member to roll a key through a running cluster.
public enum RESPKeyringRequest: Sendable, Equatable {
    case list
    /// A 32-byte key, as the client sent it in base64 (a data key file's second line).
    case install(base64: String)
    /// A key id: 8 hex digits, as `list` shows them.
    case use(keyID: String)
    case remove(keyID: String)
}

/// A node's keyring as `KEYRING` reports it: ids only, never keys.
public struct RESPKeyringState: Sendable, Equatable {
    /// False for an open cluster (it sends in clear) or a closed one without a data key.
    public var encrypting: Bool
    public var primary: String?
    public var keys: [String]
    /// The id of the key the request named (for INSTALL: the id of the key it installed).
    public var subject: String?

    public init(encrypting: Bool, primary: String?, keys: [String], subject: String? = nil) {
        self.encrypting = encrypting
        self.primary = primary
        self.keys = keys
        self.subject = subject
    }
}

/// A backend without a keyring (tests over a bare replica) refuses `KEYRING`.
public struct KeyringUnsupported: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "this server has no keyring (it is not a GossipKV node)" }
}
