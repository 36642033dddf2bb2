import GossipKVCore
import PropertyBased
import Testing

@testable import GossipKVStorage

@Suite("log records")
struct LogRecordTests {
    @Test("every record decodes back to itself and its exact size")
    func roundTrip() async {
        await propertyCheck(count: 400, input: StorageTestData.record) { record in
            let bytes = try #require(try? record.encoded(limits: .standard))
            #expect(LogRecord.scan(bytes[...], limits: .standard) == .record(record, size: bytes.count))
            // Followed by more bytes, it still reads as itself.
            #expect(
                LogRecord.scan((bytes + [1, 2, 3])[...], limits: .standard)
                    == .record(record, size: bytes.count))
        }
    }

    @Test("a record cut anywhere is incomplete, never a different record")
    func truncated() async {
        await propertyCheck(count: 200, input: StorageTestData.record) { record in
            let bytes = try #require(try? record.encoded(limits: .standard))
            for cut in 0..<bytes.count {
                #expect(LogRecord.scan(bytes[..<cut], limits: .standard) == .incomplete)
            }
        }
    }

    @Test("any flipped byte is rejected (length, checksum, kind or payload)")
    func flippedByte() async {
        await propertyCheck(
            count: 200, input: StorageTestData.record, Gen.int(in: 0...Int.max), Gen.uint8(in: 1...255)
        ) {
            record, position, mask in
            var bytes = try #require(try? record.encoded(limits: .standard))
            bytes[position % bytes.count] ^= mask
            switch LogRecord.scan(bytes[...], limits: .standard) {
            case .record(let decoded, _): Issue.record("a damaged record decoded as \(decoded)")
            case .incomplete, .invalid, .zeroHeader: break
            }
        }
    }

    @Test("a length above the limit is refused before anything is read")
    func lengthBound() throws {
        var limits = Limits()
        limits.maxKeyBytes = 16
        limits.maxValueBytes = 16
        limits.maxDigestOrigins = 1
        let bound = LogRecord.maxBodySize(limits: limits)
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(bound + 1))
        bytes.appendBigEndian(0xDEAD_BEEF)
        #expect(
            LogRecord.scan(bytes[...], limits: limits)
                == .invalid("record length \(bound + 1) outside 1...\(bound)"))
        // The largest entry these limits allow still fits the bound.
        let largest = Entry(
            key: Array(repeating: 1, count: 16), value: Array(repeating: 2, count: 16),
            timestamp: HLCTimestamp(rawValue: 5), origin: NodeID(high: 1, low: 2),
            expiry: HLCTimestamp(rawValue: 9))
        let encoded = try LogRecord.entry(largest).encoded(limits: limits)
        #expect(encoded.count - LogRecord.headerSize == bound)
    }

    @Test("eight zero bytes are unwritten space, an unknown kind is invalid")
    func zeroAndUnknownKind() {
        #expect(LogRecord.scan([UInt8](repeating: 0, count: 12)[...], limits: .standard) == .zeroHeader)
        var bytes: [UInt8] = []
        bytes.appendBigEndian(1)
        bytes.appendBigEndian(CRC32.checksum([9][...]))
        bytes.append(9)
        #expect(LogRecord.scan(bytes[...], limits: .standard) == .invalid("unknown record kind 9"))
    }

    @Test("the checksum is zlib's CRC-32 (the standard check value)")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
    }

    @Test("a segment of records scans back whole; a cut tail is torn, damage before a good record is corrupt")
    func segmentScan() async {
        await propertyCheck(
            count: 100, input: StorageTestData.record.array(of: 1...12), Gen.int(in: 0...Int.max)
        ) {
            records, seed in
            var bytes = SegmentHeader(sequence: 7).encoded
            var offsets: [Int] = []
            for record in records {
                offsets.append(bytes.count)
                bytes += try #require(try? record.encoded(limits: .standard))
            }
            let whole = SegmentScan(bytes[...], limits: .standard)
            #expect(whole.header == SegmentHeader(sequence: 7))
            #expect(whole.records.map(\.record) == records)
            #expect(whole.records.map(\.offset) == offsets)
            #expect(whole.ending == .clean)
            #expect(whole.validEnd == bytes.count)

            let cut = SegmentHeader.size + seed % (bytes.count - SegmentHeader.size)
            let torn = SegmentScan(bytes[..<cut], limits: .standard)
            let whollyBefore = offsets.indices.filter { index in
                (index + 1 < offsets.count ? offsets[index + 1] : bytes.count) <= cut
            }.count
            #expect(torn.records.count == whollyBefore)
            if let boundary = offsets.first(where: { $0 == cut }) {
                #expect(
                    torn.ending == .clean, "a cut at a record boundary \(boundary) leaves a clean segment")
            } else {
                if case .tornTail = torn.ending {} else { Issue.record("cut at \(cut): \(torn.ending)") }
            }

            if records.count >= 2 {
                var damaged = bytes
                damaged[offsets[0] + 4] ^= 0x5A  // the first record's checksum
                let scan = SegmentScan(damaged[...], limits: .standard)
                #expect(scan.ending == .corrupt(offset: offsets[0], reason: "checksum mismatch"))
                #expect(scan.records.isEmpty)
            }
        }
    }
}
