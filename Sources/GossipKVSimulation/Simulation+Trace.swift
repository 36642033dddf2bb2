import GossipKVCore

/// A readable trace of one schedule, for finding why a seed fails (`SimulationOptions.traceKey`):
/// the lines say when each node's entry for the key or its digest changed and which event did
/// it, with the faults, membership changes and collections around them. Printing happens only
/// when a trace key is set, so the default runs pay nothing.
extension Simulation {
    /// Handles `event` and prints what it changed for the traced key.
    mutating func handleTracing(_ event: Event) -> String? {
        guard let key = options.traceKey.map({ Array($0.utf8) }) else { return handle(event) }
        let before = nodes.map { Self.traceState(of: $0, key: key) }
        let result = handle(event)
        let label = Self.traceLabel(event)
        for index in nodes.indices {
            let after = Self.traceState(of: nodes[index], key: key)
            if after != before[index] {
                traceNote("\(label): node \(index)\(nodes[index].isUp ? "" : " (down)") \(after)")
            }
        }
        if case .fault = event { traceNote(label) }
        return result
    }

    /// Prints one trace line at the current simulated time (when tracing).
    func traceNote(_ line: @autoclosure () -> String) {
        guard options.traceKey != nil else { return }
        print("t=\(now - start) \(line())")
    }

    private static func traceState(of node: SimulatedNode, key: [UInt8]) -> String {
        let replica = node.engine.replica
        let entry = replica.map.entry(forKey: key).map { "\($0)" } ?? "-"
        let digest = replica.digest.sorted.map { "\($0.origin):\($0.watermark)" }.joined(separator: " ")
        return "\(entry) [\(digest)]"
    }

    private static func traceLabel(_ event: Event) -> String {
        switch event {
        case let .deliver(from, to, _, envelope, _):
            var reader = ByteReader(envelope)
            let kind = (try? EnvelopeHeader.decode(from: &reader).0.kind).map { "\($0)" } ?? "?"
            return "\(kind) \(from)->\(to)"
        case let .tick(node, _): return "tick \(node)"
        case let .write(node, key, kind): return "write \(kind) key-\(key) at node \(node)"
        default: return "\(event)"
        }
    }
}
