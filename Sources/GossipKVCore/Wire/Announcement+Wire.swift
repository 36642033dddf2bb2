/// Body codec of `Announcement`: certificate (`u16` length + bytes, at most
/// `Announcement.maxCertificateBytes`), address, wants-reply flag `u8`, member count `u16` (at
/// most `Announcement.maxMembersInReply`), the members as membership updates, then the sender's
/// data epoch `u64`. Bounded and
/// total like every other decoder; only canonical encodings are accepted.
extension Announcement {
    public func encode(into writer: inout ByteWriter) throws(WireError) {
        guard certificate.count <= Self.maxCertificateBytes else {
            throw .oversized(size: certificate.count, limit: Self.maxCertificateBytes)
        }
        guard members.count <= Self.maxMembersInReply else {
            throw .tooManyEntries(count: members.count, limit: Self.maxMembersInReply)
        }
        writer.write(UInt16(certificate.count))
        writer.write(contentsOf: certificate)
        writer.write(address)
        writer.write(wantsReply)
        writer.write(UInt16(members.count))
        for member in members { writer.write(member) }
        writer.write(dataEpoch)
    }

    public func encoded() throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: 2 + certificate.count + 40 + members.count * 48)
        try encode(into: &writer)
        return writer.bytes
    }

    /// Decodes a whole body: every byte must belong to the announcement.
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireError) {
        var reader = ByteReader(bytes)
        let certificateLength = Int(try reader.readUInt16())
        guard certificateLength <= Self.maxCertificateBytes else {
            throw .oversized(size: certificateLength, limit: Self.maxCertificateBytes)
        }
        let certificate = try reader.readBytes(count: certificateLength)
        let address = try reader.readMemberAddress()
        let wantsReply = try reader.readFlag(field: "announcement.wantsReply")
        let count = Int(try reader.readUInt16())
        guard count <= Self.maxMembersInReply else {
            throw .tooManyEntries(count: count, limit: Self.maxMembersInReply)
        }
        try reader.require(count * ByteReader.minimumMemberUpdateSize)
        var members: [MemberUpdate] = []
        members.reserveCapacity(count)
        for _ in 0..<count { members.append(try reader.readMemberUpdate()) }
        let dataEpoch = try reader.readUInt64()
        try reader.finish()
        self.init(
            certificate: certificate, address: address, wantsReply: wantsReply, members: members,
            dataEpoch: dataEpoch)
    }
}
