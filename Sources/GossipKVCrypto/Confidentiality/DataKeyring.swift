import CSodium
import GossipKVCore

/// The keys a node encrypts and decrypts gossip with (Serf's keyring semantics): one primary
/// key seals everything this node sends; every installed key opens. A key is rolled through a
/// running cluster in three steps, each done on every node before the next: install the new key
/// (everyone can read it), use it (everyone sends with it), remove the old one.
///
/// A value type; the node keeps one behind a lock shared with its transport.
public struct DataKeyring: Sendable {
    /// Installed keys, in the order they were installed.
    public private(set) var keys: [DataKey]
    public private(set) var primaryID: DataKeyID

    public init(primary: DataKey) {
        keys = [primary]
        primaryID = primary.id
    }

    public var primary: DataKey { keys.first { $0.id == primaryID } ?? keys[0] }
    public var ids: [DataKeyID] { keys.map(\.id) }

    public func key(_ id: DataKeyID) -> DataKey? { keys.first { $0.id == id } }

    /// Adds `key`; false when it is installed already. Refuses a different key with the same id.
    @discardableResult
    public mutating func install(_ key: DataKey) throws(KeyringError) -> Bool {
        if let existing = self.key(key.id) {
            guard existing.secret.constantTimeEquals(key.secret) else { throw .idCollision(key.id) }
            return false
        }
        guard keys.count < Self.maxKeys else { throw .tooManyKeys(Self.maxKeys) }
        keys.append(key)
        return true
    }

    /// Makes an installed key the one this node seals with.
    public mutating func use(_ id: DataKeyID) throws(KeyringError) {
        guard key(id) != nil else { throw .unknownKey(id) }
        primaryID = id
    }

    /// Removes an installed key that is not the primary: frames under it are refused from now on.
    public mutating func remove(_ id: DataKeyID) throws(KeyringError) {
        guard key(id) != nil else { throw .unknownKey(id) }
        guard id != primaryID else { throw .removingPrimary(id) }
        keys.removeAll { $0.id == id }
    }

    /// Seals `envelope` under the primary key with a fresh random 24-byte nonce (XChaCha20's
    /// nonce is long enough to draw at random for every frame): `SealedFrame`'s layout.
    public func seal(_ envelope: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        let key = primary
        let header = SealedFrame.header(keyID: key.id)
        var output = [UInt8](repeating: 0, count: SealedFrame.overhead + envelope.count)
        output.replaceSubrange(0..<header.count, with: header)
        let nonceRange =
            SealedFrame.headerByteCount..<(SealedFrame.headerByteCount + SealedFrame.nonceByteCount)
        output.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            randombytes_buf(base + nonceRange.lowerBound, SealedFrame.nonceByteCount)
            var written: UInt64 = 0
            key.secret.withPointer { keyBytes in
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    base + nonceRange.upperBound, &written, envelope, UInt64(envelope.count),
                    base, UInt64(SealedFrame.headerByteCount), nil, base + nonceRange.lowerBound, keyBytes)
            }
        }
        return output
    }

    /// Opens a sealed frame: layout first (`SealedFrame.parse`), then the key id by lookup, then
    /// one AEAD check. Returns the envelope inside, or why the frame was refused.
    public func open(_ bytes: ArraySlice<UInt8>, maxBytes: Int) -> Result<[UInt8], SealRejection> {
        let frame: SealedFrame
        switch SealedFrame.parse(bytes, maxBytes: maxBytes) {
        case let .failure(rejection): return .failure(rejection)
        case let .success(parsed): frame = parsed
        }
        guard let key = key(frame.keyID) else { return .failure(.unknownKey(frame.keyID)) }
        Sodium.ensureInitialized()
        var plaintext = [UInt8](repeating: 0, count: frame.ciphertext.count - SealedFrame.tagByteCount)
        var written: UInt64 = 0
        let nonce = Array(frame.nonce)
        let associated = Array(frame.associatedData)
        let status = frame.ciphertext.withUnsafeBufferPointer { cipher -> Int32 in
            guard let cipherBase = cipher.baseAddress else { return -1 }
            return key.secret.withPointer { keyBytes in
                plaintext.withUnsafeMutableBufferPointer { out in
                    crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out.baseAddress, &written, nil, cipherBase, UInt64(cipher.count),
                        associated, UInt64(associated.count), nonce, keyBytes)
                }
            }
        }
        guard status == 0, Int(written) == plaintext.count else { return .failure(.badSeal) }
        return .success(plaintext)
    }
}
