import CSodium

/// An Ed25519 public key: a node's (its identity) or a cluster's (the certificate authority).
public struct SigningPublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    public let bytes: [UInt8]

    /// Throws unless `bytes` holds exactly 32 bytes. Whether they are a valid curve point is
    /// checked where it matters: `crypto_sign_verify_detached` rejects bad keys, and pair-key
    /// agreement reports `KeyError.unusablePublicKey`.
    public init(bytes: some Collection<UInt8>) throws(KeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongPublicKeyLength(bytes.count) }
        self.bytes = Array(bytes)
    }

    /// True when `signature` is this key's signature over `bytes` under `context`
    /// (see `SigningContext` for what is signed). Any other signature length is false.
    public func isValidSignature(
        _ signature: ArraySlice<UInt8>, over bytes: ArraySlice<UInt8>, context: SigningContext
    ) -> Bool {
        isValidSignature(signature, over: [bytes], context: context)
    }

    func isValidSignature(
        _ signature: ArraySlice<UInt8>, over parts: [ArraySlice<UInt8>], context: SigningContext
    ) -> Bool {
        guard signature.count == Ed25519.signatureByteCount else { return false }
        Sodium.ensureInitialized()
        let digest = context.digest(of: parts)
        return signature.withUnsafeBufferPointer { signatureBytes in
            guard let signatureBase = signatureBytes.baseAddress else { return false }
            return crypto_sign_verify_detached(signatureBase, digest, UInt64(digest.count), bytes) == 0
        }
    }

    /// The first 8 bytes in hex, like `NodeID`.
    public var description: String {
        bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
