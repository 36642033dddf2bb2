import GossipKVCore
import GossipKVSimulation
import Testing

@Test func tmpPrintTraces() {
    for seed: UInt64 in [1, 2, 3, 42, 0x5EED, 0x5EED + 7] {
        var random = SplitMix64(seed: seed)
        var options = SimulationOptions.random(using: &random)
        options.membership = false
        var simulation = Simulation(seed: seed, options: options)
        let report = simulation.run()
        print("TRACE \(seed) \(report.traceHash) \(report.steps) \(report.settleMilliseconds ?? 0)")
    }
}
