import Testing

@testable import GossipKVSimulation

/// The experiments behind the benchmark figures (burst, catch-up, spread) run on
/// `SimulationOptions.healthy`. Their 1 ms fault phase puts them in the settle phase at once, so
/// every fault the settle phase keeps must be off there too: its pauses and its 1% loss once
/// turned the burst figure from 1.0x into 6.3x at N = 10 (issue 12).
@Suite("the healthy cluster of the experiments")
struct HealthyClusterTests {
    @Test("pauses no node in the fault phase or the settle phase")
    func pausesNoNode() {
        var simulation = Simulation(seed: 1, options: .healthy(nodeCount: 5, membership: true))
        // Past the settle phase's pause window (its first two seconds).
        simulation.advance(by: 3_000)
        #expect(simulation.resumedAt.allSatisfy { $0 == 0 })
    }

}
