import PropertyBased
import Testing

@testable import GossipKVCore

@Suite("StableHasher (SipHash-2-4)")
struct StableHasherTests {
    /// The reference key of the SipHash paper and of `vectors.h`: bytes 00 01 … 0f.
    static let referenceKey0: UInt64 = 0x0706_0504_0302_0100
    static let referenceKey1: UInt64 = 0x0f0e_0d0c_0b0a_0908

    /// `vectors_sip64` of the reference implementation: SipHash-2-4 of the message 00 01 … (n-1)
    /// under the reference key, read as a little-endian word.
    static let referenceVectors: [(length: Int, hash: UInt64)] = [
        (0, 0x726f_db47_dd0e_0e31),
        (1, 0x74f8_39c5_93dc_67fd),
        (2, 0x0d6c_8009_d9a9_4f5a),
        (3, 0x8567_6696_d7fb_7e2d),
        (4, 0xcf27_94e0_2771_87b7),
        (5, 0x1876_5564_cd99_a68d),
        (6, 0xcbc9_466e_58fe_e3ce),
        (7, 0xab02_00f5_8b01_d137),
        (8, 0x93f5_f579_9a93_2462),
        (9, 0x9e00_82df_0ba9_e4b0),
        (15, 0xa129_ca61_49be_45e5),
        (16, 0x3f2a_cc7f_57c2_9bdb),
        (63, 0x958a_324c_eb06_4572),
    ]

    static func referenceHash(of message: [UInt8]) -> UInt64 {
        var hasher = StableHasher(key0: referenceKey0, key1: referenceKey1)
        hasher.combine(message)
        return hasher.finalize()
    }

    @Test(
        "matches the SipHash-2-4 reference vectors for messages of 0 to 63 bytes", arguments: referenceVectors
    )
    func referenceVector(length: Int, hash: UInt64) {
        let message = (0..<length).map { UInt8($0) }
        #expect(Self.referenceHash(of: message) == hash)
    }

    @Test("feeding a message byte by byte gives the reference vectors too")
    func referenceVectorsByteAtATime() {
        for (length, hash) in Self.referenceVectors {
            var hasher = StableHasher(key0: Self.referenceKey0, key1: Self.referenceKey1)
            for byte in 0..<UInt8(length) { hasher.combine(byte) }
            #expect(hasher.finalize() == hash, "length \(length)")
        }
    }

    @Test("the fixed key is the ASCII text \"GossipKV state h\" read as two little-endian words")
    func fixedKeyIsDocumentedText() {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: StableHasher.key0.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: StableHasher.key1.littleEndian) { bytes += $0 }
        #expect(String(decoding: bytes, as: UTF8.self) == "GossipKV state h")
    }

    /// Values computed with an independent SipHash-2-4 implementation under the fixed key. They are
    /// on the wire (state hashes, digest hashes): if this test fails, the wire format changed.
    @Test("hashes under the fixed key are pinned, since they cross the network")
    func fixedKeyGoldenValues() {
        #expect(StableHasher.hash([]) == 0x5c5d_8cdc_eb40_0793)
        #expect(StableHasher.hash(Array("GossipKV".utf8)) == 0xa1c1_450b_9f93_c1f5)
        #expect(StableHasher.hash((0..<100).map { UInt8($0) }) == 0x8ffb_b756_0b13_aba2)
    }

    /// One way of feeding a piece of the message.
    enum Feed: Sendable { case bytes, singleBytes, words }

    @Test("feeding a message incrementally, in any split and by any method, equals hashing it at once")
    func incrementalEqualsOneShot() async {
        let input = zip(
            Gen.uint8().array(of: 0...80),
            zip(Gen.int(in: 0...20), Gen.int(in: 0...2)).array(of: 0...12)
        )
        await propertyCheck(count: 500, input: input) { message, pieces in
            var hasher = StableHasher()
            var offset = 0
            for (length, method) in pieces where offset < message.count {
                let end = min(message.count, offset + length)
                let piece = Array(message[offset..<end])
                switch method {
                case 0:
                    hasher.combine(piece)
                case 1:
                    for byte in piece { hasher.combine(byte) }
                default:
                    // Whole little-endian words as UInt64, the rest as bytes.
                    var index = 0
                    while piece.count - index >= 8 {
                        var word: UInt64 = 0
                        for shift in 0..<8 { word |= UInt64(piece[index + shift]) << UInt64(8 * shift) }
                        hasher.combine(word)
                        index += 8
                    }
                    hasher.combine(Array(piece[index...]))
                }
                offset = end
            }
            hasher.combine(Array(message[offset...]))
            #expect(hasher.finalize() == StableHasher.hash(message))
        }
    }

    @Test("different messages of one length hash differently (no trivially ignored bytes)")
    func everyByteMatters() async {
        await propertyCheck(
            count: 300,
            input: zip(Gen.uint8().array(of: 1...40), Gen.int(in: 0...1000), Gen.uint8(in: 1...255))
        ) {
            message, position, flip in
            var changed = message
            changed[position % message.count] ^= flip
            #expect(StableHasher.hash(changed) != StableHasher.hash(message))
        }
    }
}
