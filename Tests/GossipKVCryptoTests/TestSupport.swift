import Foundation
import GossipKVCore

@testable import GossipKVCrypto

/// Helpers shared by the crypto tests: fixed keys (so failures reproduce), hex, temp dirs.
enum Fixture {
    /// RFC 8032, section 7.1, test 1: a seed whose Ed25519 public key is published.
    static let rfc8032Seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let rfc8032PublicKey = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

    static func rfc8032Keys() throws -> NodeKeyPair {
        var seed = rfc8032Seed
        return try NodeKeyPair(seed: SecretBytes(consuming: &seed))
    }

    /// Unix ms of 2025-11-24, a fixed "now" for certificate tests.
    static let now: UInt64 = 1_764_000_000_000

    static func seed(_ byte: UInt8) -> SecretBytes {
        var bytes = [UInt8](repeating: byte, count: 32)
        return SecretBytes(consuming: &bytes)
    }

    static func node(_ byte: UInt8) -> NodeKeyPair {
        do { return try NodeKeyPair(seed: seed(byte)) } catch { fatalError("fixture seed: \(error)") }
    }

    static func cluster(_ byte: UInt8) -> ClusterKeyPair {
        do { return try ClusterKeyPair(seed: seed(byte)) } catch { fatalError("fixture seed: \(error)") }
    }

    static func hex(_ string: String) -> [UInt8] {
        var bytes = [UInt8]()
        var index = string.startIndex
        while index < string.endIndex {
            let next = string.index(index, offsetBy: 2)
            bytes.append(UInt8(string[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A fresh empty directory, removed by the caller with `removeDirectory`.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "gossipkv-crypto-tests-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every copy of `bytes` with exactly one bit flipped.
    static func everyBitFlip(of bytes: [UInt8]) -> [[UInt8]] {
        var result = [[UInt8]]()
        for index in bytes.indices {
            for bit in 0..<8 {
                var copy = bytes
                copy[index] ^= UInt8(1) << UInt8(bit)
                result.append(copy)
            }
        }
        return result
    }
}
