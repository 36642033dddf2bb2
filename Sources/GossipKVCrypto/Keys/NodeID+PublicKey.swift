import GossipKVCore

extension NodeID {
    /// The id of the node that owns `publicKey`: the first 16 bytes of the 32-byte BLAKE2b hash
    /// of the key (DESIGN, constants). Deriving the id from the key binds the two: a sender
    /// cannot claim another node's id without that node's secret key.
    public init(publicKey: SigningPublicKey) {
        self = Self.truncatedHash(of: publicKey.bytes)
    }

    /// The first 16 bytes of the 32-byte BLAKE2b hash of `bytes`, as an id.
    static func truncatedHash(of bytes: [UInt8]) -> NodeID {
        let digest = Blake2b.hash(bytes, outputLength: 32)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(digest[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(digest[index]) }
        return NodeID(high: high, low: low)
    }
}
