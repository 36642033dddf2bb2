// Writes the seed corpora under corpus/<target>/ (or under the directory given as the first
// argument), from the encoders themselves, so seeds follow the format. Deterministic: running it
// again rewrites the same files. Usage, from Fuzz/: `swift run --scratch-path .build-corpus MakeCorpus`.
import Foundation
import FuzzSupport
import GossipKVCore
import GossipKVCrypto
import GossipKVStorage

let root = CommandLine.arguments.dropFirst().first ?? "corpus"

func write(_ bytes: [UInt8], target: String, name: String) throws {
    let directory = URL(fileURLWithPath: root).appendingPathComponent(target)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data(bytes).write(to: directory.appendingPathComponent(name + ".bin"))
}

func header(
    kind: MessageKind, sequence: UInt64, channel: WireChannel = .gossipDatagram,
    recipient: NodeID = FuzzIdentity.receiver, sender: NodeID = FuzzIdentity.sender,
    cluster: NodeID = FuzzIdentity.cluster
) -> EnvelopeHeader {
    EnvelopeHeader(
        kind: kind, cluster: cluster, sender: sender, recipient: recipient,
        bootEpoch: HLCTimestamp(physical: 1_700_000_000_000), channel: channel, sequence: sequence,
        hlc: HLCTimestamp(physical: 1_700_000_000_100, logical: sequence > 0xFFFF ? 0 : UInt16(sequence)))
}

func seal(_ message: GossipMessage, _ header: EnvelopeHeader) throws -> [UInt8] {
    try Envelope.seal(header: header, message: message, signer: FuzzIdentity.signer)
}

for target in [
    "FuzzEnvelope", "FuzzSealedFrame", "FuzzMessageBody", "FuzzCertificate", "FuzzWALRecord", "FuzzSnapshot",
    "FuzzStreamFrames",
    "FuzzHandshake", "FuzzRevocation", "FuzzReplicaMerge",
] {
    // Fuzzer findings (`regression-*.bin`) stay: they are not made from the encoders.
    let directory = URL(fileURLWithPath: root).appendingPathComponent(target)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    for name in names where !name.hasPrefix("regression-") {
        try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
    }
}

for (offset, seed) in SeedMessages.all.enumerated() {
    let body = try seed.message.encodedBody()
    try write(
        [BodyInput.selector(kind: seed.message.kind, tight: false)] + body, target: "FuzzMessageBody",
        name: seed.name)
    if (try? seed.message.encodedBody(limits: BodyInput.tightLimits)) != nil {
        try write(
            [BodyInput.selector(kind: seed.message.kind, tight: true)] + body, target: "FuzzMessageBody",
            name: seed.name + "-tight")
    }
    let channel: WireChannel = offset % 2 == 0 ? .gossipDatagram : .stream
    try write(
        seal(seed.message, header(kind: seed.message.kind, sequence: UInt64(offset + 1), channel: channel)),
        target: "FuzzEnvelope", name: seed.name)
}

for (offset, seed) in SeedMessages.membership.enumerated() {
    try write(
        [BodyInput.selector(kind: seed.message.kind, tight: false)] + seed.message.encodedBody(),
        target: "FuzzMessageBody", name: seed.name)
    let sealed = try Envelope.seal(
        header: header(kind: seed.message.kind, sequence: UInt64(100 + offset)), message: seed.message,
        signer: FuzzIdentity.signer)
    try write(sealed, target: "FuzzEnvelope", name: seed.name)
    // The same message under the short checksum, as a pair MAC closes a SWIM message.
    let maced = try Envelope.seal(
        header: header(kind: seed.message.kind, sequence: UInt64(200 + offset)), message: seed.message,
        signer: FuzzIdentity.shortSigner)
    try write(maced, target: "FuzzEnvelope", name: seed.name + "-mac")
}

// Announcements: a bare one (as multicast sends it) and an answer listing members.
let announcedAddress = MemberAddress(host: .ipv4(0x0A4D_0001), gossipPort: 7377, clientPort: 7379)
let listed = MemberUpdate(
    id: NodeID(high: 3, low: 4),
    address: MemberAddress(host: .ipv6(high: 0xFE80, low: 1), gossipPort: 7377, clientPort: 7379),
    incarnation: 42, state: .alive)
for (name, announcement) in [
    (
        "announcement",
        Announcement(
            certificate: Array(repeating: 0xC5, count: 180), address: announcedAddress, wantsReply: true,
            members: [])
    ),
    (
        "announcement-members",
        Announcement(
            certificate: [1, 2, 3], address: announcedAddress, wantsReply: false, members: [listed, listed])
    ),
] {
    try write(
        [BodyInput.selector(kind: .announcement, tight: false)] + announcement.encoded(),
        target: "FuzzMessageBody", name: name)
}

// Envelopes that pass the early checks differently or fail them: multicast, a large sequence,
// another cluster, a stranger, another version, a cut frame, a broken body under a good checksum.
let summary = SeedMessages.all[2].message
try write(
    seal(summary, header(kind: .syncSummary, sequence: 7, channel: .multicast, recipient: .zero)),
    target: "FuzzEnvelope", name: "multicast-summary")
try write(
    seal(summary, header(kind: .syncSummary, sequence: .max)), target: "FuzzEnvelope", name: "max-sequence")
try write(
    seal(summary, header(kind: .syncSummary, sequence: 1, cluster: NodeID(high: 9, low: 9))),
    target: "FuzzEnvelope", name: "wrong-cluster")
try write(
    seal(summary, header(kind: .syncSummary, sequence: 1, sender: NodeID(high: 8, low: 8))),
    target: "FuzzEnvelope", name: "unknown-sender")
var newerVersion = try seal(summary, header(kind: .syncSummary, sequence: 1))
newerVersion[0] = Envelope.currentVersion + 1
try write(newerVersion, target: "FuzzEnvelope", name: "newer-version")
try write(Array(newerVersion.prefix(40)), target: "FuzzEnvelope", name: "cut-header")
let broken = try Envelope.seal(
    header: header(kind: .push, sequence: 3), body: [0, 0, 0, 0, 9], signer: FuzzIdentity.signer)
try write(broken, target: "FuzzEnvelope", name: "authentic-broken-body")

// Certificates: issued by the fuzz cluster, self-signed, with the longest and a non-ASCII name,
// expired and not yet valid at the fuzzer's "now", and one cut short. Key files of every kind,
// one with CRLF line ends and blank lines, and one of the wrong kind.
func writeCertificateSeed(_ mode: CertificateInput.Mode, _ payload: [UInt8], name: String) throws {
    try write([CertificateInput.selector(mode)] + payload, target: "FuzzCertificate", name: name)
}
let fuzzNow = CertificateInput.now
let certificates: [(String, NodeCertificate)] = [
    (
        "cert-issued",
        try NodeCertificate.issue(
            nodePublicKey: CertificateInput.node.publicKey, name: "node-a", by: CertificateInput.cluster,
            now: fuzzNow)
    ),
    (
        "cert-self-signed",
        try NodeCertificate.selfSigned(by: CertificateInput.node, name: "laptop", now: fuzzNow)
    ),
    (
        "cert-long-name",
        try NodeCertificate.issue(
            nodePublicKey: CertificateInput.node.publicKey,
            name: String(repeating: "n", count: NodeCertificate.maxNameBytes),
            by: CertificateInput.cluster, now: fuzzNow)
    ),
    (
        "cert-unicode-name",
        try NodeCertificate.issue(
            nodePublicKey: CertificateInput.node.publicKey, name: "nœud-été", by: CertificateInput.cluster,
            now: fuzzNow)
    ),
    (
        "cert-expired",
        try NodeCertificate.issue(
            nodePublicKey: CertificateInput.node.publicKey, name: "old", by: CertificateInput.cluster,
            notBefore: 1, notAfter: fuzzNow - 1)
    ),
    (
        "cert-not-yet-valid",
        try NodeCertificate.issue(
            nodePublicKey: CertificateInput.node.publicKey, name: "new", by: CertificateInput.cluster,
            notBefore: fuzzNow + 1, notAfter: .max)
    ),
]
for (name, certificate) in certificates {
    try writeCertificateSeed(.certificate, certificate.encoded, name: name)
}
try writeCertificateSeed(.certificate, Array(certificates[0].1.encoded.dropLast(10)), name: "cert-cut")
try writeCertificateSeed(
    .keyFile(.nodeSecretKey), KeyFileFormat.encode(secret: CertificateInput.node.seed, kind: .nodeSecretKey),
    name: "file-node-key")
try writeCertificateSeed(
    .keyFile(.clusterSecretKey),
    KeyFileFormat.encode(secret: CertificateInput.cluster.seed, kind: .clusterSecretKey),
    name: "file-cluster-key")
try writeCertificateSeed(
    .keyFile(.clusterPublicKey),
    KeyFileFormat.encode(public: CertificateInput.cluster.publicKey.bytes, kind: .clusterPublicKey),
    name: "file-cluster-public-key")
let certificateFile = KeyFileFormat.encode(public: certificates[0].1.encoded, kind: .nodeCertificate)
try writeCertificateSeed(.keyFile(.nodeCertificate), certificateFile, name: "file-certificate")
let crlf = Array(
    String(decoding: certificateFile, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n\r\n").utf8)
try writeCertificateSeed(.keyFile(.nodeCertificate), crlf, name: "file-certificate-crlf")
try writeCertificateSeed(.keyFile(.nodeSecretKey), certificateFile, name: "file-wrong-kind")
// Log segments (first byte: bit 0 = tight limits): every record kind, a torn tail, zero fill,
// damage before a good record, a bare record without a header, an empty segment, and format-1
// segments (before removal records): one of the older kinds, one holding a removal (invalid there).
let origin = NodeID(high: 5, low: 6)
let walRecords: [LogRecord] = [
    .entry(
        Entry(
            key: [1, 2], value: [3, 4, 5], timestamp: HLCTimestamp(physical: 1_700_000_000_000),
            origin: origin)),
    .entry(Entry(key: [1], value: nil, timestamp: HLCTimestamp(physical: 1_700_000_000_001), origin: origin)),
    .entry(
        Entry(
            key: [7], value: [8], timestamp: HLCTimestamp(physical: 1_700_000_000_002), origin: origin,
            expiry: HLCTimestamp(physical: 1_700_000_060_000))),
    .watermarks(
        Digest([
            origin: HLCTimestamp(physical: 1_700_000_000_002),
            NodeID(high: 1, low: 1): HLCTimestamp(rawValue: 9),
        ])),
    .clockCeiling(HLCTimestamp(physical: 1_700_000_100_000)),
    .removal(EntryRemoval(key: [1], timestamp: HLCTimestamp(physical: 1_700_000_000_001), origin: origin)),
]
let segmentHeader = SegmentHeader(sequence: 3).encoded
var segment = segmentHeader
for record in walRecords { segment += try record.encoded(limits: BodyInput.tightLimits) }
for tight: UInt8 in [0, 1] {
    let suffix = tight == 1 ? "-tight" : ""
    try write([tight] + segment, target: "FuzzWALRecord", name: "segment" + suffix)
    try write([tight] + segment.dropLast(3), target: "FuzzWALRecord", name: "torn-tail" + suffix)
    try write(
        [tight] + segment + [UInt8](repeating: 0, count: 64), target: "FuzzWALRecord",
        name: "zero-tail" + suffix)
}
var corruptSegment = segment
corruptSegment[segmentHeader.count + 6] ^= 0x40
try write([0] + corruptSegment, target: "FuzzWALRecord", name: "corrupt-middle")
try write([0] + (try walRecords[0].encoded(limits: .standard)), target: "FuzzWALRecord", name: "bare-record")
try write([0] + segmentHeader, target: "FuzzWALRecord", name: "empty-segment")
try write([0] + (try walRecords[5].encoded(limits: .standard)), target: "FuzzWALRecord", name: "bare-removal")
var formatOneSegment = SegmentHeader(sequence: 3, version: 1).encoded
for record in walRecords.prefix(5) { formatOneSegment += try record.encoded(limits: BodyInput.tightLimits) }
try write([0] + formatOneSegment, target: "FuzzWALRecord", name: "segment-format1")
try write(
    [0] + formatOneSegment + (try walRecords[5].encoded(limits: .standard)), target: "FuzzWALRecord",
    name: "segment-format1-removal")

// Snapshots: entries cut into two sections, an empty map, and one cut short.
let snapshotEntries = walRecords.compactMap { record -> Entry? in
    if case .entry(let entry) = record { return entry }
    return nil
}
let snapshot = SnapshotFile.Contents(
    firstUncoveredSegment: 4,
    entryChunks: [Array(snapshotEntries.prefix(2)), Array(snapshotEntries.dropFirst(2))],
    digest: Digest([origin: HLCTimestamp(physical: 1_700_000_000_002)]),
    clockCeiling: HLCTimestamp(physical: 1_700_000_100_000))
let snapshotBytes = try SnapshotFile.encode(snapshot, limits: BodyInput.tightLimits)
try write([0] + snapshotBytes, target: "FuzzSnapshot", name: "snapshot")
try write([1] + snapshotBytes, target: "FuzzSnapshot", name: "snapshot-tight")
let emptySnapshot = SnapshotFile.Contents(
    firstUncoveredSegment: 1, entryChunks: [], digest: Digest(), clockCeiling: .zero)
try write(
    [0] + (try SnapshotFile.encode(emptySnapshot, limits: .standard)), target: "FuzzSnapshot", name: "empty")
try write([0] + snapshotBytes.dropLast(5), target: "FuzzSnapshot", name: "cut")

// Stream frames (first byte: bit 0 = a 64-byte limit): two frames and a partial one, an empty
// frame, a length past the tight limit after a good frame, a 4 GiB length.
func framed(_ frames: [[UInt8]]) -> [UInt8] {
    frames.flatMap { frame -> [UInt8] in
        let length = UInt32(frame.count)
        return [
            UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ] + frame
    }
}
let handshakeFrame = try HandshakeInput.signed(sequence: 1).encoded()
try write(
    [0] + framed([handshakeFrame, [1, 2, 3]]) + [0, 0, 0, 9, 1], target: "FuzzStreamFrames",
    name: "frames-partial")
try write([1] + framed([[], [7]]), target: "FuzzStreamFrames", name: "frames-empty-tight")
try write(
    [1] + framed([[5, 5], Array(repeating: 9, count: 65)]), target: "FuzzStreamFrames",
    name: "frames-over-tight-limit")
try write([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2], target: "FuzzStreamFrames", name: "frames-4gib")

// Handshakes: valid (the acceptor takes it), for another node, cut, and an oversized signature.
try write(handshakeFrame, target: "FuzzHandshake", name: "handshake-valid")
var otherRecipient = HandshakeInput.signed(sequence: 2)
otherRecipient.recipient = NodeID(high: 1, low: 1)
try write(try otherRecipient.encoded(), target: "FuzzHandshake", name: "handshake-wrong-recipient")
try write(Array(handshakeFrame.dropLast(7)), target: "FuzzHandshake", name: "handshake-cut")
var longSignature = handshakeFrame
longSignature[StreamHandshake.signedLength] = 200
try write(longSignature, target: "FuzzHandshake", name: "handshake-long-signature")

// Revocations (first byte: 0 record, 1 list, 2 notice): a record of the fuzz cluster, another
// cluster's, a list with a comment and blank lines, a notice with records and claims.
let revocation = NodeRevocation.issue(
    revoking: CertificateInput.node.nodeID, by: CertificateInput.cluster, now: fuzzNow)
var otherClusterSeed = [UInt8](repeating: 0xC2, count: 32)
let otherCluster = try ClusterKeyPair(seed: SecretBytes(consuming: &otherClusterSeed))
let foreignRevocation = NodeRevocation.issue(
    revoking: NodeID(high: 7, low: 7), by: otherCluster, now: fuzzNow)
try write([0] + revocation.encoded, target: "FuzzRevocation", name: "record")
try write([0] + foreignRevocation.encoded, target: "FuzzRevocation", name: "record-foreign")
let listText =
    RevocationList.header + "\n# revoked by the fuzz cluster\n\n"
    + RevocationList.line(for: revocation, comment: "node-a") + "\n"
    + RevocationList.line(for: foreignRevocation, comment: "") + "\n"
try write([1] + Array(listText.utf8), target: "FuzzRevocation", name: "list")
let notice = RevocationNotice(
    records: [revocation.encoded, foreignRevocation.encoded],
    claims: [
        OriginClaim(node: CertificateInput.node.nodeID, epoch: 0x1234_5678_9ABC),
        OriginClaim(node: NodeID(high: 7, low: 7), epoch: 1),
    ])
try write([2] + (try notice.encoded()), target: "FuzzRevocation", name: "notice")
try write(
    [2] + (try RevocationNotice(records: [], claims: []).encoded()), target: "FuzzRevocation",
    name: "notice-empty")

// Replica merges: the seed pushes and answers, and a push whose entries fight over one key
// (same timestamp from two origins, a tombstone, an expiring value, a value tie).
for seed in SeedMessages.all {
    switch seed.message {
    case .push, .syncAnswer:
        try write(
            [BodyInput.selector(kind: seed.message.kind, tight: false)] + seed.message.encodedBody(),
            target: "FuzzReplicaMerge", name: seed.name)
    default: continue
    }
}
let contested = HLCTimestamp(physical: 1_700_000_000_500)
let fighting: [Entry] = [
    Entry(key: [1], value: [1], timestamp: contested, origin: NodeID(high: 1, low: 0)),
    Entry(key: [1], value: [2], timestamp: contested, origin: NodeID(high: 2, low: 0)),
    Entry(key: [1], value: nil, timestamp: contested, origin: NodeID(high: 2, low: 0)),
    Entry(
        key: [1], value: [2], timestamp: contested, origin: NodeID(high: 2, low: 0),
        expiry: HLCTimestamp(physical: 1_700_000_009_000)),
    Entry(
        key: [2], value: [3], timestamp: HLCTimestamp(physical: 1_700_000_000_400),
        origin: NodeID(high: 1, low: 0)),
]
let fight = GossipMessage.push(
    Push(hops: 0, items: fighting.map { Push.Item(entry: $0, previousTimestamp: nil) }))
try write(
    [BodyInput.selector(kind: .push, tight: false)] + fight.encodedBody(), target: "FuzzReplicaMerge",
    name: "push-contested")

print("wrote seed corpora under \(root)/")

// FuzzSealedFrame: every envelope seed, to be sealed (mode byte 1), and a few wire frames (mode 0):
// a layout with a bad tag, a plain envelope, a cut frame. (Sealed seeds would carry a random
// nonce, so the corpus would change on every run; the fuzzer seals them itself.)
let envelopeSeeds = URL(fileURLWithPath: root).appendingPathComponent("FuzzEnvelope")
for name in try FileManager.default.contentsOfDirectory(atPath: envelopeSeeds.path).sorted() {
    let bytes = [UInt8](try Data(contentsOf: envelopeSeeds.appendingPathComponent(name)))
    try write(
        [1] + bytes, target: "FuzzSealedFrame",
        name: "seal-" + name.replacingOccurrences(of: ".bin", with: ""))
}
let badTag =
    [SealedFrame.marker, 0x12, 0x34, 0x56, 0x78]
    + [UInt8](repeating: 0, count: SealedFrame.nonceByteCount + 40)
try write([0] + badTag, target: "FuzzSealedFrame", name: "wire-bad-tag")
try write(
    [0, Envelope.currentVersion] + [UInt8](repeating: 0, count: 90), target: "FuzzSealedFrame",
    name: "wire-plain")
try write([0] + Array(badTag.prefix(20)), target: "FuzzSealedFrame", name: "wire-cut")
