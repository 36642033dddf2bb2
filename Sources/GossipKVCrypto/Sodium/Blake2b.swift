import CSodium

/// BLAKE2b (`crypto_generichash`), the hash behind node ids, cluster ids, the passphrase salt,
/// the signed digest of a message and the per-pair MAC.
enum Blake2b {
    /// The unkeyed hash of the concatenation of `parts`, `outputLength` bytes long (16...64).
    /// Hashing parts in sequence avoids copying a large frame just to prefix it with a context.
    static func hash(_ parts: [ArraySlice<UInt8>], outputLength: Int = 32) -> [UInt8] {
        hash(parts, keyBytes: nil, outputLength: outputLength)
    }

    static func hash(_ bytes: [UInt8], outputLength: Int = 32) -> [UInt8] {
        hash([bytes[...]], outputLength: outputLength)
    }

    /// The keyed hash (a MAC, as the BLAKE2 paper defines it) of the concatenation of `parts`.
    /// `key` must hold 16...64 bytes.
    static func hash(_ parts: [ArraySlice<UInt8>], key: SecretBytes, outputLength: Int) -> [UInt8] {
        key.withUnsafeBytes { keyBytes in hash(parts, keyBytes: keyBytes, outputLength: outputLength) }
    }

    /// The keyed hash under part of a secret: `key[range]`.
    static func hash(_ parts: [ArraySlice<UInt8>], key: SecretBytes, range: Range<Int>, outputLength: Int)
        -> [UInt8]
    {
        key.withUnsafeBytes { keyBytes in
            hash(
                parts,
                keyBytes: UnsafeRawBufferPointer(rebasing: keyBytes[range.clamped(to: 0..<keyBytes.count)]),
                outputLength: outputLength)
        }
    }

    private static func hash(
        _ parts: [ArraySlice<UInt8>], keyBytes: UnsafeRawBufferPointer?, outputLength: Int
    ) -> [UInt8] {
        Sodium.ensureInitialized()
        // The state type is 64-byte aligned in C, which Swift cannot import: allocate it by size.
        let stateSize = crypto_generichash_statebytes()
        let stateMemory = UnsafeMutableRawPointer.allocate(byteCount: stateSize, alignment: 64)
        defer {
            sodium_memzero(stateMemory, stateSize)
            stateMemory.deallocate()
        }
        let state = OpaquePointer(stateMemory)
        var output = [UInt8](repeating: 0, count: outputLength)
        _ = crypto_generichash_init(
            state, keyBytes?.baseAddress?.assumingMemoryBound(to: UInt8.self), keyBytes?.count ?? 0,
            outputLength)
        for part in parts {
            part.withUnsafeBufferPointer { buffer in
                _ = crypto_generichash_update(state, buffer.baseAddress, UInt64(buffer.count))
            }
        }
        _ = crypto_generichash_final(state, &output, outputLength)
        return output
    }
}
