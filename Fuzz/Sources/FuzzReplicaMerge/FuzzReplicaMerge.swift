import FuzzSupport
import GossipKVCore

/// Structure-aware: the input is a message body as `FuzzMessageBody` reads it (`BodyInput`: the
/// first byte picks kind and limits); the entries of a decoded push or sync answer are applied
/// to fresh replicas, in order and in reverse, and the maps compared with a reference
/// last-writer-wins merge written here from DESIGN's order: (timestamp, origin), then the value
/// (a tombstone below any value, then the bytes), then the expiry (none below any deadline).
///
/// Properties: no trap; each replica's map holds exactly the reference winner of every key among
/// the entries it accepted; both orders agree (map and state hash) when they accepted the same
/// entries; and revocation (`Replica.bar`) of the first entry's origin, before or after the
/// entries arrive, leaves no entry of that origin, keeps every other winner, and, barred first,
/// equals the reference merge of the other origins' entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplicaMerge(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (kind, limits, body) = BodyInput.parse(input),
        let message = try? GossipMessage.decodeBody(kind: kind, body, limits: limits)
    else { return 0 }
    let entries: [Entry]
    switch message {
    case let .push(push): entries = push.items.map(\.entry)
    case let .syncAnswer(answer): entries = answer.entries
    default: return 0
    }
    guard !entries.isEmpty else { return 0 }
    let inOrder = apply(entries, limits: limits)
    let reversed = apply(entries.reversed(), limits: limits)
    check(inOrder.replica, against: reference(inOrder.accepted))
    check(reversed.replica, against: reference(reversed.accepted))
    if Set(inOrder.accepted) == Set(reversed.accepted) {
        precondition(
            inOrder.replica.map.stateHash == reversed.replica.map.stateHash,
            "orders disagree on the state hash")
    }

    let barred = entries[0].origin
    var barredFirst = Replica(id: FuzzIdentity.receiver, limits: limits)
    _ = barredFirst.bar([barred])
    let afterBar = apply(entries, limits: limits, into: barredFirst)
    precondition(!afterBar.accepted.contains { $0.origin == barred }, "a barred origin's entry was accepted")
    check(afterBar.replica, against: reference(afterBar.accepted))

    var barredLater = inOrder.replica
    let dropped = barredLater.bar([barred])
    precondition(dropped.allSatisfy { $0.origin == barred }, "barring dropped another origin's entry")
    let winners = reference(inOrder.accepted)
    for (key, winner) in winners {
        let held = barredLater.map.entry(forKey: key)
        precondition(
            held == (winner.origin == barred ? nil : winner), "barring later changed another origin's winner")
    }
    precondition(barredLater.map.count == winners.values.filter { $0.origin != barred }.count)
    return 0
}

/// The physical time the replicas run at: past any 48-bit timestamp, so no entry is refused by
/// the clock check for being ahead.
let physicalNow: UInt64 = (1 << 48) - 1

func apply(_ entries: some Sequence<Entry>, limits: Limits, into start: Replica? = nil)
    -> (replica: Replica, accepted: [Entry])
{
    var replica = start ?? Replica(id: FuzzIdentity.receiver, limits: limits)
    var accepted: [Entry] = []
    for entry in entries {
        if case .success = replica.applyRemote(entry, physical: physicalNow) { accepted.append(entry) }
    }
    return (replica, accepted)
}

/// The reference merge: the winner of each key.
func reference(_ entries: [Entry]) -> [[UInt8]: Entry] {
    var winners: [[UInt8]: Entry] = [:]
    for entry in entries {
        if let current = winners[entry.key], !referenceWins(entry, over: current) { continue }
        winners[entry.key] = entry
    }
    return winners
}

func referenceWins(_ a: Entry, over b: Entry) -> Bool {
    if a.timestamp != b.timestamp { return a.timestamp > b.timestamp }
    if a.origin != b.origin { return a.origin > b.origin }
    switch (a.value, b.value) {
    case (nil, nil): break
    case (nil, _): return false
    case (_, nil): return true
    case let (left?, right?): if left != right { return right.lexicographicallyPrecedes(left) }
    }
    switch (a.expiry, b.expiry) {
    case (nil, _): return false
    case (_, nil): return true
    case let (left?, right?): return left > right
    }
}

func check(_ replica: Replica, against winners: [[UInt8]: Entry]) {
    precondition(
        replica.map.count == winners.count,
        "the map holds \(replica.map.count) keys, the reference \(winners.count)")
    for (key, winner) in winners {
        precondition(replica.map.entry(forKey: key) == winner, "the map's winner differs from the reference")
    }
}
