import FuzzSupport
import GossipKVCore
import GossipKVStorage

/// Reads random bytes as a log segment, the way recovery does (first byte: bit 0 picks the tight
/// limits of `BodyInput`, the rest is the segment file). Properties: scanning never traps or
/// over-allocates; the records found re-encode to exactly the bytes between the header and the
/// end of the valid prefix; the scan's ending agrees with that prefix; and the same bytes read
/// as one record (without a header) decode to a record only if it re-encodes to them; a segment
/// holds only the record kinds its format version has (removals from format 2 on).
/// A broken property stops the run on purpose: that is how a fuzz target reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWALRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let limits = first & 1 == 1 ? BodyInput.tightLimits : .standard
    let bytes = input.dropFirst()

    if case .record(let record, let recordSize) = LogRecord.scan(bytes, limits: limits) {
        guard let encoded = try? record.encoded(limits: limits) else {
            preconditionFailure("a decoded record failed to encode")
        }
        precondition(encoded[...] == bytes.prefix(recordSize), "re-encoding is not canonical for \(record)")
    }

    let scan = SegmentScan(bytes, limits: limits)
    precondition(scan.validEnd <= bytes.count, "valid end past the input")
    guard let header = scan.header else {
        precondition(scan.records.isEmpty && scan.headerProblem != nil, "records without a header")
        return 0
    }
    var reencoded = header.encoded
    for (offset, record) in scan.records {
        precondition(
            record.kind.sinceFormatVersion <= header.version,
            "a \(record.kind) record in a format-\(header.version) segment")
        precondition(offset == reencoded.count, "record offset \(offset) disagrees with the encoding")
        guard let encoded = try? record.encoded(limits: limits) else {
            preconditionFailure("a decoded record failed to encode")
        }
        reencoded += encoded
    }
    precondition(
        reencoded[...] == bytes.prefix(scan.validEnd), "segment records do not re-encode to the valid prefix")
    switch scan.ending {
    case .clean: precondition(scan.validEnd == bytes.count, "clean scan stopped early")
    case .tornTail(let offset, _), .corrupt(let offset, _):
        precondition(offset == scan.validEnd, "damage offset is not the valid end")
    }
    return 0
}
