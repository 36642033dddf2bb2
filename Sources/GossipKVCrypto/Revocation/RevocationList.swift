import Foundation
import GossipKVCore

/// A text file of revocations an operator gives to one node or more (`--revocations FILE`; the
/// nodes gossip them on), and the form a node keeps them in in its data directory: the
/// header line, then one revocation per line in base64, each followed by a comment naming the
/// node. `gossipkv cert revoke --out FILE` appends to it. Blank lines and lines starting with
/// `#` are ignored, so people can annotate it.
///
/// ```
/// gossipkv revocation list v1
/// AQ3f...== # web2 (3f1c...), revoked 2026-11-25T18:40:00Z
/// ```
public struct RevocationList: Hashable, Sendable {
    public static let header = "gossipkv revocation list v1"
    /// A list is read whole; 1 MiB holds about 5,000 revocations with comments.
    public static let maxBytes = 1 << 20

    public private(set) var revocations: [NodeRevocation]

    public init(_ revocations: [NodeRevocation] = []) { self.revocations = revocations }

    /// Parses a list's text; does not verify signatures (see `verified(authority:)`).
    public init(parsing text: String, origin: String) throws(RevocationError) {
        guard text.utf8.count <= Self.maxBytes else { throw .tooLarge(origin: origin, limit: Self.maxBytes) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingASCIIWhitespace() == Self.header else {
            throw .notARevocationList(origin: origin)
        }
        var revocations: [NodeRevocation] = []
        for (index, rawLine) in lines.enumerated().dropFirst() {
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let payload = line.trimmingASCIIWhitespace()
            if payload.isEmpty { continue }
            guard let data = Data(base64Encoded: String(payload)) else {
                throw .malformed(origin: origin, line: index + 1, reason: "not base64")
            }
            do {
                revocations.append(try NodeRevocation(encoded: Array(data)))
            } catch {
                throw .malformed(origin: origin, line: index + 1, reason: "\(error)")
            }
        }
        self.revocations = revocations
    }

    /// Throws on the first revocation that `authority`'s key did not make: a list with a forged
    /// or foreign line is refused whole, so an operator notices rather than half-applies it.
    public func verified(authority: CertificateAuthority) throws(RevocationError) -> Set<NodeID> {
        var nodes: Set<NodeID> = []
        for revocation in revocations {
            try revocation.verify(authority: authority)
            nodes.insert(revocation.nodeID)
        }
        return nodes
    }

    /// The line `append` writes for `revocation`, with `comment` after a `#`.
    public static func line(for revocation: NodeRevocation, comment: String) -> String {
        let safe = comment.filter { $0 != "\n" && $0 != "\r" }
        return Data(revocation.encoded).base64EncodedString() + (safe.isEmpty ? "" : " # " + safe)
    }
}

extension Substring {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" || first == "\r" {
            result.removeFirst()
        }
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result.removeLast() }
        return result
    }
}
