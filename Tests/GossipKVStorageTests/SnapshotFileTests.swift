import GossipKVCore
import PropertyBased
import Testing

@testable import GossipKVStorage

@Suite("snapshot file format")
struct SnapshotFileTests {
    static let contents = zip(
        StorageTestData.entry.array(of: 1...6).array(of: 0...4), StorageTestData.digest, Gen.uint64(),
        Gen.uint64(in: 1...1000)
    ).map { chunks, digest, ceiling, segment in
        SnapshotFile.Contents(
            firstUncoveredSegment: segment, entryChunks: chunks, digest: digest,
            clockCeiling: HLCTimestamp(rawValue: ceiling))
    }

    @Test("a snapshot decodes to what was encoded")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.contents) { contents in
            let bytes = try #require(try? SnapshotFile.encode(contents, limits: .standard))
            #expect(try SnapshotFile.decode(bytes[...], limits: .standard) == contents)
        }
    }

    @Test("a snapshot cut anywhere is refused as corrupt")
    func truncated() async {
        await propertyCheck(count: 40, input: Self.contents) { contents in
            let bytes = try #require(try? SnapshotFile.encode(contents, limits: .standard))
            for cut in 0..<bytes.count {
                #expect(throws: SnapshotFile.DecodeError.self) {
                    try SnapshotFile.decode(bytes[..<cut], limits: .standard)
                }
            }
        }
    }

    @Test("any flipped byte is refused")
    func flipped() async {
        await propertyCheck(
            count: 300, input: Self.contents, Gen.int(in: 0...Int.max), Gen.uint8(in: 1...255)
        ) {
            contents, position, mask in
            var bytes = try #require(try? SnapshotFile.encode(contents, limits: .standard))
            bytes[position % bytes.count] ^= mask
            #expect(throws: SnapshotFile.DecodeError.self) {
                try SnapshotFile.decode(bytes[...], limits: .standard)
            }
        }
    }

    @Test("a newer version or an unknown section is unsupported, not corrupt")
    func newerFormat() throws {
        let contents = SnapshotFile.Contents(
            firstUncoveredSegment: 3, entryChunks: [[StorageTestData.sample(1)]], digest: Digest(),
            clockCeiling: .zero)
        let bytes = try SnapshotFile.encode(contents, limits: .standard)

        var header = Array(bytes[0..<16])
        header[5] = 2  // the version's low byte
        header.appendBigEndian(CRC32.checksum(header[...]))
        let versioned = header + Array(bytes[20...])
        #expect(
            throws: SnapshotFile.DecodeError.unsupported("snapshot format version 2 (this build reads 1)")
        ) {
            try SnapshotFile.decode(versioned[...], limits: .standard)
        }

        // A section a later version might add (per-peer GC state, say), before the end section.
        let end = bytes.count - SnapshotFile.sectionHeaderSize
        var section: [UInt8] = [4]
        section.appendBigEndian(0)
        section.appendBigEndian(CRC32.checksum(section[...]))
        let withSection = Array(bytes[..<end]) + section + Array(bytes[end...])
        #expect(
            throws: SnapshotFile.DecodeError.unsupported(
                "snapshot section type 4 at offset \(end) is unknown")
        ) {
            try SnapshotFile.decode(withSection[...], limits: .standard)
        }
    }

    @Test("sections out of order, a missing digest and trailing bytes are refused")
    func canonical() throws {
        let ceiling = SnapshotFile.section(.clockCeiling, payload: [0, 0, 0, 0, 0, 0, 0, 1])
        let digest = SnapshotFile.section(.digest, payload: [0, 0, 0, 0])
        let end = SnapshotFile.section(.end, payload: [])
        let header = SnapshotFile.header(firstUncoveredSegment: 1)
        #expect(
            try SnapshotFile.decode((header + digest + ceiling + end)[...], limits: .standard).entryChunks
                .isEmpty)
        for bad in [
            header + ceiling + end, header + digest + end, header + ceiling + digest + end,
            header + digest + ceiling + end + [0],
        ] {
            #expect(throws: SnapshotFile.DecodeError.self) {
                try SnapshotFile.decode(bad[...], limits: .standard)
            }
        }
    }
}
