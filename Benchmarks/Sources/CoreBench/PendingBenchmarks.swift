/// Hooks for figures that other parts of the project will provide. Each prints a "pending" line
/// until its owner fills it in; none prints a made-up number.

/// HOOK (wire codec, `Sources/GossipKVCore/Wire/`): encode and decode throughput in MB/s of a
/// sync chunk of 16-byte keys and 32-byte values (e.g. the 100k-entry delta of `BenchData`),
/// best of runs; also add the decode cost to the merge figure for the pycrdt comparison, which
/// decodes as part of `apply_update`. Return the figures and print them here.
func benchmarkWireCodec(runs: Int) {
    print("(c) wire codec: encode MB/s, decode MB/s                 pending (wire codec not merged yet)")
}

/// HOOK (anti-entropy engine and simulator, `GossipKVSimulation`): gossip rounds until
/// convergence for N nodes after a partition heals, and simulated rounds per second.
func benchmarkSimulatorGossipRounds(runs: Int) {
    print("(d) simulator: gossip rounds to converge, rounds/s       pending (simulator not merged yet)")
}
