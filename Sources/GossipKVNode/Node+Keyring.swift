import GossipKVCore
import GossipKVCrypto
import Logging

/// The keyring a node encrypts gossip with (issue 13, item 1; `DataKeyring`), and the admin
/// operations that roll a new key through a running cluster (`gossipkv keyring`, the RESP
/// command `KEYRING`).
extension Node {
    /// The keyring file's name in the data directory.
    public static let keyringFileName = "keyring"

    /// Where the keyring persists, or nil for a node without a data directory.
    nonisolated var keyringPath: String? {
        configuration.storage.map { $0.directory + "/" + Self.keyringFileName }
    }

    /// The keyring to start with: none for an open cluster (it sends in clear); else the one the
    /// data directory kept (a restart keeps rotated keys; a key removed there stays removed),
    /// else one holding the identity's data key, written to the data directory at once.
    static func startingKeyring(_ configuration: NodeConfiguration, logger: Logger) throws(NodeStartError)
        -> DataKeyring?
    {
        let path = configuration.storage.map { $0.directory + "/" + keyringFileName }
        if configuration.identity.isOpen {
            logger.warning(
                "open cluster: gossip, discovery and stream traffic go in CLEAR (signed, not encrypted)")
            return nil
        }
        do throws(KeyringError) {
            if let path, let kept = try DataKeyring.read(from: path) {
                logger.info(
                    "gossip encrypted (XChaCha20-Poly1305) with the keyring kept in \(path): primary \(kept.primaryID), \(kept.keys.count) key(s)"
                )
                return kept
            }
            guard let key = configuration.identity.dataKey else {
                logger.warning(
                    Logger.Message(
                        stringLiteral:
                            "closed cluster WITHOUT a data key: gossip is signed but NOT encrypted. Give "
                            + "each node `data.key` (written by `gossipkv init` and `gossipkv cert issue`) or use a "
                            + "passphrase"))
                return nil
            }
            let keyring = DataKeyring(primary: key)
            if let path { try keyring.write(to: path) }
            logger.info("gossip encrypted (XChaCha20-Poly1305) under the cluster's data key \(key.id)")
            return keyring
        } catch {
            throw .keyring(error)
        }
    }

    /// What `KEYRING LIST` and INFO show about this node's keys.
    public func keyringState() -> KeyringState {
        guard let keyring = self.keyring.current else {
            return KeyringState(encrypting: false, primary: nil, keys: [])
        }
        return KeyringState(encrypting: true, primary: keyring.primaryID, keys: keyring.ids)
    }

    /// Installs `key` (every installed key decrypts); false when it was installed already.
    @discardableResult
    public func installKey(_ key: DataKey) throws(KeyringError) -> Bool {
        var added = false
        try changeKeyring { (keyring: inout DataKeyring) throws(KeyringError) in
            added = try keyring.install(key)
        }
        if added { logger.notice("data key \(key.id) installed") }
        return added
    }

    /// Makes an installed key the one this node encrypts with.
    public func useKey(_ id: DataKeyID) throws(KeyringError) {
        try changeKeyring { (keyring: inout DataKeyring) throws(KeyringError) in try keyring.use(id) }
        logger.notice("data key \(id) is now the primary key")
    }

    /// Removes an installed key other than the primary: frames under it are refused from now on.
    public func removeKey(_ id: DataKeyID) throws(KeyringError) {
        try changeKeyring { (keyring: inout DataKeyring) throws(KeyringError) in try keyring.remove(id) }
        logger.notice("data key \(id) removed")
    }

    /// Applies `change`, writes the result to the data directory, and only then lets the
    /// transport use it: a change the disk refused is not applied, so a restart never goes back.
    private func changeKeyring(_ change: (inout DataKeyring) throws(KeyringError) -> Void)
        throws(KeyringError)
    {
        let path = keyringPath
        try keyring.update { (keyring: inout DataKeyring) throws(KeyringError) in
            try change(&keyring)
            if let path { try keyring.write(to: path) }
        }
    }
}

/// A node's keyring as it reports it: whether it encrypts, the primary key and every installed
/// key's id (never the keys).
public struct KeyringState: Sendable, Equatable {
    public var encrypting: Bool
    public var primary: DataKeyID?
    public var keys: [DataKeyID]

    public init(encrypting: Bool, primary: DataKeyID?, keys: [DataKeyID]) {
        self.encrypting = encrypting
        self.primary = primary
        self.keys = keys
    }
}
