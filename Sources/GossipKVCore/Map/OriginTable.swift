/// Interns node ids as small integers, so that each entry stores a 4-byte origin index instead
/// of a 16-byte id. Indexes are local to one replica (never on the wire) and never reused.
struct OriginTable: Sendable {
    private(set) var ids: [NodeID] = []
    private var indexByID: [NodeID: UInt32] = [:]
    /// The last id interned: entries arrive grouped by origin (a sync answer, a push batch), so
    /// this saves a dictionary lookup per entry.
    private var lastInterned: (id: NodeID, index: UInt32)?

    var count: Int { ids.count }

    func index(of id: NodeID) -> UInt32? { indexByID[id] }

    mutating func intern(_ id: NodeID) -> UInt32 {
        if let lastInterned, lastInterned.id == id { return lastInterned.index }
        let index: UInt32
        if let known = indexByID[id] {
            index = known
        } else {
            index = UInt32(ids.count)
            ids.append(id)
            indexByID[id] = index
        }
        lastInterned = (id, index)
        return index
    }

    subscript(index: UInt32) -> NodeID { ids[Int(index)] }
}
