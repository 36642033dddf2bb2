/// What `INFO keyspace cluster` says about a node and its members, parsed from the `name:value`
/// lines. The member lines look like
/// `member0:id=58861c4979013bf5,name=node1,addr=127.0.0.1:7101,state=alive,self=0,lag_entries=0,lag_ms=0`;
/// unknown fields are kept in `fields` and ignored, so a newer node's extra lines do not break
/// an older CLI.
struct ClusterInfo: Equatable, Sendable {
    struct Member: Equatable, Sendable {
        var id: String
        var name: String
        var address: String
        var state: String
        var isSelf: Bool
        /// How far the asked node is behind this member; nil for the node itself or when its
        /// digest is not known yet.
        var lagEntries: Int?
        var lagMilliseconds: Int?
        /// Where it serves RESP clients (`client=`), absent from older nodes.
        var clientAddress: String? = nil
    }

    /// Every `name:value` line (member lines included), by name.
    var fields: [String: String] = [:]
    var members: [Member] = []

    var nodeID: String { fields["node_id"] ?? "" }
    var nodeName: String { fields["node_name"] ?? "" }
    var hlc: String { fields["hlc"] ?? "" }
    var hlcPhysicalMilliseconds: Int? { fields["hlc_physical_ms"].flatMap { Int($0) } }
    var stateHash: String { fields["state_hash"] ?? "" }
    /// The node's data epoch and the origin its writes carry (absent from older nodes).
    var dataEpoch: String? { fields["data_epoch"] }
    var origin: String? { fields["origin"] }
    /// Entries held, tombstones and expired entries included.
    var entries: Int? { fields["entries"].flatMap { Int($0) } }
    /// Keys a read sees (INFO keyspace's `db0:keys=N`; absent when there are none).
    var liveKeys: Int {
        guard let db = fields["db0"] else { return 0 }
        for part in db.split(separator: ",") where part.hasPrefix("keys=") {
            return Int(part.dropFirst(5)) ?? 0
        }
        return 0
    }

    init(parsing text: String) {
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...])
            fields[name] = value
            if name.hasPrefix("member"), Int(name.dropFirst("member".count)) != nil,
                let member = Self.member(value)
            {
                members.append(member)
            }
        }
    }

    /// One member line's `key=value` pairs; nil when it names no id.
    static func member(_ text: String) -> Member? {
        var pairs: [String: String] = [:]
        for part in text.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            pairs[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        guard let id = pairs["id"] else { return nil }
        return Member(
            id: id, name: pairs["name"] ?? "", address: pairs["addr"] ?? "",
            state: pairs["state"] ?? "unknown",
            isSelf: pairs["self"] == "1", lagEntries: pairs["lag_entries"].flatMap { Int($0) },
            lagMilliseconds: pairs["lag_ms"].flatMap { Int($0) }, clientAddress: pairs["client"])
    }
}

extension ClusterInfo.Member {
    /// The LAG column: how far the asked node is behind this member.
    var lagDescription: String {
        if isSelf { return "-" }
        guard let entries = lagEntries else { return "unknown" }
        if entries == 0 { return "in sync" }
        return "\(entries) \(entries == 1 ? "entry" : "entries") (\(lagMilliseconds ?? 0) ms)"
    }
}
