import FuzzSupport
import GossipKVCore
import GossipKVStorage

/// Decodes random bytes as a snapshot file (first byte: bit 0 picks the tight limits of
/// `BodyInput`, the rest is the file). Properties: decoding never traps or over-allocates (ASan
/// and libFuzzer's malloc limit watch), and whatever decodes re-encodes to exactly the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let limits = first & 1 == 1 ? BodyInput.tightLimits : .standard
    let bytes = input.dropFirst()
    guard let contents = try? SnapshotFile.decode(bytes, limits: limits) else { return 0 }
    guard let encoded = try? SnapshotFile.encode(contents, limits: limits) else {
        preconditionFailure("a decoded snapshot failed to encode")
    }
    precondition(encoded[...] == bytes, "re-encoding is not canonical")
    return 0
}
