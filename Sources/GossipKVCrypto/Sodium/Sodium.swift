import CSodium

/// The one gate to libsodium: every type in this module calls `Sodium.ensureInitialized()`
/// before its first libsodium call.
///
/// `sodium_init` picks the fastest implementations for this CPU and opens the system's random
/// source; it is thread-safe and idempotent, and the `static let` below (lazily initialised
/// under `swift_once`) makes Swift call it exactly once per process.
public enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    /// Initialises libsodium once per process.
    ///
    /// `sodium_init` fails only when the process cannot read the system's random source, and
    /// then no key could be made safely; that is an environment fault, never a consequence of
    /// input, so it stops the process with a message saying what to fix.
    public static func ensureInitialized() {
        guard initialized else {
            fatalError(
                "libsodium could not initialise: the system random source (getrandom, /dev/urandom) is unavailable"
            )
        }
    }

    /// The libsodium version string, for `gossipkv --version` and bug reports.
    public static var version: String {
        ensureInitialized()
        return String(cString: sodium_version_string())
    }

    /// Compares two byte strings in time that depends only on their lengths (`sodium_memcmp`),
    /// so an attacker who can time the answer learns nothing about where they differ. Lengths
    /// are not secret: strings of different lengths compare unequal at once.
    public static func constantTimeEquals(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Bool {
        ensureInitialized()
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                guard let leftBase = left.baseAddress, let rightBase = right.baseAddress else { return true }
                return sodium_memcmp(leftBase, rightBase, left.count) == 0
            }
        }
    }

    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        constantTimeEquals(lhs[...], rhs[...])
    }

    /// `count` bytes from libsodium's CSPRNG (`randombytes_buf`).
    static func randomBytes(count: Int) -> [UInt8] {
        ensureInitialized()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return bytes
    }

    /// Overwrites `bytes` with zeros in a way the optimiser cannot remove (`sodium_memzero`).
    /// Best effort for Swift arrays: copies made earlier (copy-on-write) are not reached.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
        }
    }
}
