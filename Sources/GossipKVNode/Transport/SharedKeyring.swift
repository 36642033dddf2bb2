import GossipKVCore
import GossipKVCrypto
import NIOConcurrencyHelpers

/// The node's keyring (`DataKeyring`) behind a lock, shared by the node actor (datagrams,
/// announcements, admin commands) and the transport's event loops (stream handshakes and
/// frames). Nil inside means encryption is off: an open cluster sends envelopes in clear.
///
/// Sealing and opening copy the keyring out under the lock and do the cryptography outside it,
/// so a rotation never waits for a frame and a frame never waits for a rotation.
public final class SharedKeyring: Sendable {
    private let state: NIOLockedValueBox<DataKeyring?>

    public init(_ keyring: DataKeyring?) { state = NIOLockedValueBox(keyring) }

    /// The keyring now (a copy), or nil when encryption is off.
    public var current: DataKeyring? { state.withLockedValue { $0 } }
    public var isEncrypting: Bool { current != nil }
    /// Bytes a sealed frame adds (0 when encryption is off).
    public var overhead: Int { isEncrypting ? SealedFrame.overhead : 0 }

    /// Applies `change` to a copy and keeps it only when `change` (which may persist the
    /// result) succeeds.
    func update(_ change: (inout DataKeyring) throws(KeyringError) -> Void) throws(KeyringError) {
        guard var keyring = current else { throw .encryptionOff }
        try change(&keyring)
        state.withLockedValue { $0 = keyring }
    }

    /// `envelope` sealed under the primary key, or as it is when encryption is off.
    public func seal(_ envelope: [UInt8]) -> [UInt8] {
        guard let keyring = current else { return envelope }
        return keyring.seal(envelope)
    }

    /// The envelope inside `bytes`, or as they are when encryption is off.
    public func open(_ bytes: [UInt8], maxBytes: Int) -> Result<[UInt8], SealRejection> {
        guard let keyring = current else { return .success(bytes) }
        return keyring.open(bytes[...], maxBytes: maxBytes)
    }
}
