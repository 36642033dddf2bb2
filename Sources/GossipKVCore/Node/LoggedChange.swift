/// A change to the map that the write-ahead log must hold, so that recovery (`LogReplay`) gives
/// back the map the node had, not an older one: every entry merged, and every entry garbage
/// collection dropped. Without the removals a restart brought collected tombstones and expired
/// values back (dead, so reads saw nothing, but held and sent again until collected anew).
///
/// The node (`Node.carryOut`) and the simulator (`Simulation.carryOut`) take a directive
/// batch's changes from `loggedChanges` and log them in directive order with one append, before
/// carrying out the rest of the batch.
public enum LoggedChange: Equatable, Sendable {
    /// An entry merged into the map: a local write or an applied remote entry.
    case entry(Entry)
    /// Garbage collection dropped exactly this write.
    case removal(EntryRemoval)
}

extension NodeCoreDirective {
    /// The change this directive made that the log must hold: an applied entry, a collected
    /// one's removal; nil for everything else.
    public var loggedChange: LoggedChange? {
        switch self {
        case let .applied(entry): return .entry(entry)
        case let .collected(entry): return .removal(EntryRemoval(of: entry))
        default: return nil
        }
    }
}

extension Sequence<NodeCoreDirective> {
    /// The batch's logged changes in directive order (the order the core applied them).
    public var loggedChanges: [LoggedChange] { compactMap(\.loggedChange) }
}
