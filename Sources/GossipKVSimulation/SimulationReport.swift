/// What one schedule did and whether the replicas converged to the checker's expected map.
public struct SimulationReport: Sendable, Equatable, CustomStringConvertible {
    public var seed: UInt64
    public var nodeCount: Int
    /// Nil when every check passed.
    public var failure: String?
    /// Time from the end of the fault phase until every replica equalled the expected map and,
    /// with membership, every node saw every other alive.
    public var settleMilliseconds: UInt64?
    public var steps: Int
    public var messagesSent: Int
    /// Of `messagesSent`, the SWIM messages (zero without membership).
    public var membershipMessagesSent: Int
    public var bytesSent: Int
    /// Restarts by how they recovered (`Simulation.restart`): process crashes, power losses,
    /// disk losses, and what recovery had to cut (unsynced records, torn tails, repair cuts).
    public var recoveries: [String: Int]
    public var acceptedWrites: Int
    /// Writes destroyed with a disk before reaching any other replica (forgiven, reported).
    public var writesLostWithDisk: Int
    /// Entries dropped by garbage collection or the reconcile step, summed over replicas.
    public var collectedEntries: Int
    /// Values that came back after a collection because no watermark of the collector covered
    /// them (`History.noteZombies`): the stated limit of garbage collection, counted.
    public var zombieReturns: Int
    /// Deletes a liar's inflated claims undid (counted, not failed; `History.resurrection`).
    public var liarResurrections: Int
    public var expectedKeys: Int
    /// Byzantine members in the run (`SimulationOptions.byzantineNodes`).
    public var byzantineNodes: Int
    /// Client reads checked (`History.checkRead`).
    public var reads: Int
    /// Lies told by the Byzantine members, by form (`ByzantinePeer`).
    public var lies: [String: Int]
    /// Envelopes and membership messages refused, by reason, summed over nodes: duplicated
    /// datagrams show up as `replay`, and ignored SWIM messages as `membership_` and the drop's label.
    public var rejections: [String: Int]
    /// Fingerprint of the whole run: equal for equal seeds.
    public var traceHash: UInt64

    /// What kind of failure this is, for reports: `lost honest write`, `resurrection`,
    /// `watermark over-claim`, `watermark lag`, `membership eviction`, `not available`, `read`,
    /// `not converged`, or `other`. Nil when the run passed.
    public var category: String? {
        guard let failure else { return nil }
        let tags = [
            "lost honest write", "resurrection", "watermark over-claim", "watermark lag", "not available",
            "read:",
        ]
        if let tag = tags.first(where: { failure.contains($0) }) { return tag == "read:" ? "read" : tag }
        if failure.contains(" as dead") || failure.contains(" as suspect") || failure.contains(" as left") {
            return "membership eviction"
        }
        if failure.contains("did not converge") || failure.contains("did not settle") {
            return "not converged"
        }
        return "other"
    }

    public var description: String {
        let outcome =
            failure.map { "FAILED [\(category ?? "")]: \($0)" }
            ?? "converged \(settleMilliseconds ?? 0) ms after heal"
        let liars =
            byzantineNodes > 0 ? " (\(byzantineNodes) Byzantine, \(lies.values.reduce(0, +)) lies)" : ""
        return
            "seed \(seed): \(nodeCount) nodes\(liars), \(reads) reads, \(acceptedWrites) writes (\(writesLostWithDisk) lost with a disk), "
            + "\(collectedEntries) collected (\(zombieReturns) zombie returns, \(liarResurrections) undone by liars), \(steps) events, \(messagesSent) messages (\(membershipMessagesSent) SWIM); \(outcome)"
    }
}
