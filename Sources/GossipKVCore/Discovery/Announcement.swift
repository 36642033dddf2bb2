/// A node introducing itself (DESIGN, "The envelope and authentication", first contact): sent
/// to the multicast group, to `--join` seeds, and by unicast in answer to a stranger.
///
/// The envelope's header already carries the sender id, boot epoch (the SWIM incarnation to
/// admit it with) and HLC. The body adds what a stranger needs to admit the sender: its
/// certificate (opaque to the core; the crypto layer checks it), where to reach it, and, in an
/// answer to a newcomer, the members the answerer knows, so the newcomer can introduce itself to
/// each of them without waiting for gossip.
public struct Announcement: Equatable, Sendable {
    /// Largest certificate accepted (an Ed25519 certificate is under 250 bytes).
    public static let maxCertificateBytes = 1_024
    /// Members listed in one answer, so that it fits a datagram.
    public static let maxMembersInReply = 16

    public var certificate: [UInt8]
    /// The sender's gossip and client address; host 0.0.0.0 means "the address this came from".
    public var address: MemberAddress
    /// Asks the receiver to answer with its own announcement even if it already knows us.
    public var wantsReply: Bool
    public var members: [MemberUpdate]
    /// The data epoch the sender writes under: with its node id it names the origin stamped on
    /// its entries (`OriginClaim`), so receivers can trace those entries back to it if it is
    /// ever revoked. Signed with the rest of the envelope, by the sender itself.
    public var dataEpoch: UInt64

    public init(
        certificate: [UInt8], address: MemberAddress, wantsReply: Bool, members: [MemberUpdate],
        dataEpoch: UInt64 = 0
    ) {
        self.certificate = certificate
        self.address = address
        self.wantsReply = wantsReply
        self.members = members
        self.dataEpoch = dataEpoch
    }
}
