/// A revocation travelling between members (kind `revocations`): cluster-signed revocation
/// records, opaque to the core (the crypto layer's `NodeRevocation` checks each one), and the
/// origin claims (node, data epoch) known for revoked nodes, so that a receiver that never saw
/// a revoked node's announcements can still trace its entries (`OriginClaim`, `Replica.bar`).
///
/// It spreads like data: a node that learns a new revocation or a new claim sends it on to every
/// active member, sends everything it holds to a member that becomes active (a node back from
/// away), and to one random member with each of its periodic announcements, which repairs a
/// lost datagram. Every record is verified against the cluster key on receipt, so a member can
/// relay revocations but cannot make one.
///
/// Body (big-endian): record count `u8` (at most `maxRecords`), each record as `u8` length (at
/// most `maxRecordBytes`) and bytes; claim count `u8` (at most `maxClaims`), each claim as node id
/// (16 bytes) and epoch `u64`. Bounded and total; trailing bytes are refused.
public struct RevocationNotice: Equatable, Sendable {
    /// Records per notice: 8 revocations of 105 bytes and 16 claims fit one 1,400-byte datagram
    /// with the envelope around them.
    public static let maxRecords = 8
    /// Longest record (a `NodeRevocation` is 105 bytes).
    public static let maxRecordBytes = 160
    public static let maxClaims = 16

    public var records: [[UInt8]]
    public var claims: [OriginClaim]

    public init(records: [[UInt8]], claims: [OriginClaim]) {
        self.records = records
        self.claims = claims
    }

    /// Cuts `records` and `claims` into notices within the per-notice bounds, records first;
    /// nothing (no notice) when both are empty. Records longer than `maxRecordBytes` are left out.
    public static func notices(records: [[UInt8]], claims: [OriginClaim]) -> [RevocationNotice] {
        let records = records.filter { $0.count <= maxRecordBytes }
        var notices: [RevocationNotice] = []
        var recordStart = 0
        var claimStart = 0
        while recordStart < records.count || claimStart < claims.count {
            let recordEnd = min(records.count, recordStart + maxRecords)
            let claimEnd = min(claims.count, claimStart + maxClaims)
            notices.append(
                RevocationNotice(
                    records: Array(records[recordStart..<recordEnd]),
                    claims: Array(claims[claimStart..<claimEnd])))
            recordStart = recordEnd
            claimStart = claimEnd
        }
        return notices
    }
}

extension RevocationNotice {
    public func encoded() throws(WireError) -> [UInt8] {
        guard records.count <= Self.maxRecords else {
            throw .tooManyEntries(count: records.count, limit: Self.maxRecords)
        }
        guard claims.count <= Self.maxClaims else {
            throw .tooManyEntries(count: claims.count, limit: Self.maxClaims)
        }
        var writer = ByteWriter(capacity: encodedSize)
        writer.write(UInt8(records.count))
        for record in records {
            guard record.count <= Self.maxRecordBytes else {
                throw .oversized(size: record.count, limit: Self.maxRecordBytes)
            }
            writer.write(UInt8(record.count))
            writer.write(contentsOf: record)
        }
        writer.write(UInt8(claims.count))
        for claim in claims {
            writer.write(claim.node)
            writer.write(claim.epoch)
        }
        return writer.bytes
    }

    /// The exact size of `encoded()`.
    public var encodedSize: Int {
        2 + records.reduce(0) { $0 + 1 + $1.count } + claims.count * OriginClaim.encodedLength
    }

    /// Decodes a whole body: every byte must belong to the notice.
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireError) {
        var reader = ByteReader(bytes)
        let recordCount = Int(try reader.readUInt8())
        guard recordCount <= Self.maxRecords else {
            throw .tooManyEntries(count: recordCount, limit: Self.maxRecords)
        }
        var records: [[UInt8]] = []
        records.reserveCapacity(recordCount)
        for _ in 0..<recordCount {
            let length = Int(try reader.readUInt8())
            guard length <= Self.maxRecordBytes else {
                throw .oversized(size: length, limit: Self.maxRecordBytes)
            }
            records.append(try reader.readBytes(count: length))
        }
        let claimCount = Int(try reader.readUInt8())
        guard claimCount <= Self.maxClaims else {
            throw .tooManyEntries(count: claimCount, limit: Self.maxClaims)
        }
        try reader.require(claimCount * OriginClaim.encodedLength)
        var claims: [OriginClaim] = []
        claims.reserveCapacity(claimCount)
        for _ in 0..<claimCount {
            let node = try reader.readNodeID()
            claims.append(OriginClaim(node: node, epoch: try reader.readUInt64()))
        }
        try reader.finish()
        self.init(records: records, claims: claims)
    }
}
