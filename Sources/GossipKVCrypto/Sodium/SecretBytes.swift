import CSodium

/// Secret key material in memory that is wiped (`sodium_memzero`) when the last reference goes.
///
/// A class, not an array: Swift arrays copy themselves silently (copy-on-write, resizing), and
/// every copy of a secret is one more place it can leak from. Here the bytes live in one buffer
/// that is written once, inside `init`, and never moved; readers borrow it through
/// `withUnsafeBytes`. Printing, interpolating or dumping a `SecretBytes` shows only its length,
/// so a secret cannot reach a log by accident.
///
/// `@unchecked Sendable` is sound because the buffer is immutable after `init` returns.
public final class SecretBytes: @unchecked Sendable {
    /// Never null (at least one byte is allocated), so libsodium's non-null parameters take it.
    private let base: UnsafeMutableRawPointer

    /// Number of secret bytes.
    public let count: Int

    /// Allocates `count` bytes and lets `initialize` fill them in place, so the secret never
    /// exists outside this buffer. If `initialize` throws, the buffer is wiped and freed.
    public init<E: Error>(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E)
    {
        Sodium.ensureInitialized()
        let count = max(count, 0)
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        do {
            try initialize(UnsafeMutableRawBufferPointer(start: base, count: count))
        } catch {
            Self.wipeAndFree(base, count: count)
            throw error
        }
        self.base = base
        self.count = count
    }

    /// Moves `bytes` into a new secret and wipes the array it came from.
    /// (No local copy of `bytes` is taken: it would share the array's storage, so wiping
    /// `bytes` would copy it first and leave the original storage unwiped.)
    public convenience init(consuming bytes: inout [UInt8]) {
        self.init(count: bytes.count) { (buffer: UnsafeMutableRawBufferPointer) in
            buffer.copyBytes(from: bytes)
        }
        Sodium.wipe(&bytes)
    }

    /// `count` fresh random bytes from libsodium's CSPRNG.
    public convenience init(randomCount count: Int) {
        self.init(count: count) { (buffer: UnsafeMutableRawBufferPointer) in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
    }

    /// `count` bytes written by `initialize` through a typed pointer, for libsodium calls that
    /// produce a secret (key derivation, key conversion). It returns libsodium's status: a
    /// non-zero status wipes the buffer and returns nil.
    convenience init?(count: Int, producedBy initialize: (UnsafeMutablePointer<UInt8>) -> Int32) {
        do {
            try self.init(count: count) {
                (buffer: UnsafeMutableRawBufferPointer) throws(SecretProductionFailed) in
                guard let base = buffer.baseAddress, initialize(base.assumingMemoryBound(to: UInt8.self)) == 0
                else {
                    throw SecretProductionFailed()
                }
            }
        } catch {
            return nil
        }
    }

    deinit { Self.wipeAndFree(base, count: count) }

    /// Lends the secret bytes to `body`. `body` MUST NOT keep the pointer or copy the bytes
    /// anywhere that outlives the call.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Lends the bytes as the non-null `const unsigned char *` libsodium's functions take.
    func withPointer<R>(_ body: (UnsafePointer<UInt8>) -> R) -> R {
        body(UnsafePointer(base.assumingMemoryBound(to: UInt8.self)))
    }

    /// Compares in constant time (`sodium_memcmp`); lengths are not secret.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(base, other.base, count) == 0
    }

    private static func wipeAndFree(_ base: UnsafeMutableRawPointer, count: Int) {
        sodium_memzero(base, max(count, 1))
        base.deallocate()
    }
}

private struct SecretProductionFailed: Error {}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["count": count], displayStyle: .class) }
}
