import Foundation
import GossipKVCore
import GossipKVCrypto

/// Where a node keeps what it learned about revocation, in its data directory, so that a
/// restart (even with no `--revocations` file) refuses the revoked nodes from its first packet:
///
/// - `revocations`: the revocation records, in the text form of `RevocationList` (an operator
///   may copy it to another machine's `--revocations`);
/// - `revoked-origins`: the data epochs known for revoked nodes, one `NODE-ID-HEX EPOCH` line
///   each after the header line, so their entries are dropped again after the log's replay.
///
/// Both are rewritten whole (write to a temporary file, then rename), mode 0600.
enum RevocationFiles {
    static let listName = "revocations"
    static let originsName = "revoked-origins"
    static let originsHeader = "gossipkv revoked origins v1"
    /// A directory's files are read whole; 1 MiB each is far beyond any real list.
    static let maxBytes = 1 << 20

    /// Reads what `directory` holds (nothing when the files are absent). Throws when a file is
    /// there but does not parse or verify: a node does not start on a damaged revocation state.
    static func load(directory: String, authority: CertificateAuthority) throws(RevocationError)
        -> (revocations: [NodeRevocation], claims: [OriginClaim])
    {
        let listPath = directory + "/" + listName
        let originsPath = directory + "/" + originsName
        var revocations: [NodeRevocation] = []
        if let text = read(listPath) {
            let list = try RevocationList(parsing: text, origin: listPath)
            _ = try list.verified(authority: authority)
            revocations = list.revocations
        }
        var claims: [OriginClaim] = []
        if let text = read(originsPath) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            guard lines.first == Substring(originsHeader) else {
                throw .malformed(
                    origin: originsPath, line: 1, reason: "the first line must be '\(originsHeader)'")
            }
            for (index, line) in lines.enumerated().dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count == 2, let node = nodeID(hex: fields[0]), let epoch = UInt64(fields[1])
                else {
                    throw .malformed(
                        origin: originsPath, line: index + 1, reason: "expected 'NODE-ID-HEX EPOCH'")
                }
                claims.append(OriginClaim(node: node, epoch: epoch))
            }
        }
        return (revocations, claims)
    }

    /// Rewrites both files from `book`.
    static func save(_ book: RevocationBook, directory: String) throws {
        var list = RevocationList.header + "\n"
        for node in book.revokedNodes {
            guard let revocation = book.records[node] else { continue }
            list += RevocationList.line(for: revocation, comment: "\(node)") + "\n"
        }
        var origins = originsHeader + "\n"
        for claim in book.claims { origins += hex(claim.node) + " \(claim.epoch)\n" }
        try write(list, to: directory + "/" + listName)
        try write(origins, to: directory + "/" + originsName)
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxBytes else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    static func hex(_ node: NodeID) -> String {
        node.bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    static func nodeID(hex: Substring) -> NodeID? {
        guard hex.utf8.count == 2 * NodeID.byteCount else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return NodeID(bytes: bytes)
    }
}
