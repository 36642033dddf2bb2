/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele et al. 2014).
///
/// The core never touches a global random source: the shell seeds one of these (from the system
/// RNG in production, from the schedule seed in the simulator), so every run is replayable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for a subsystem, derived so that streams do not overlap in practice.
    public mutating func derived() -> SplitMix64 { SplitMix64(seed: next()) }
}
