import GossipKVCore

/// A node's wall clock: true time plus an offset that follows one of the models of STYLE.md
/// (constant, linear drift, oscillation, a sudden step), kept inside half the max offset so
/// that any two clocks stay within it, except during an excursion (a fault, healed later).
struct SimulatedClock: Sendable {
    enum Model: Sendable {
        case constant
        case drift(perSecond: Double)
        case oscillation(periodMilliseconds: Double)
        case step(at: UInt64, to: Int64)
    }

    var baseOffset: Int64
    var model: Model
    let bound: Int64
    /// An offset beyond the bound, while a clock-excursion fault lasts.
    var excursion: Int64?

    init(random: inout SplitMix64, maxOffset: UInt64) {
        bound = Int64(maxOffset / 2) - 10
        baseOffset = Int64(random.next() % UInt64(2 * bound + 1)) - bound
        switch random.next() % 4 {
        case 0: model = .constant
        case 1: model = .drift(perSecond: Double(Int64(random.next() % 41) - 20))
        case 2: model = .oscillation(periodMilliseconds: Double(2_000 + random.next() % 8_000))
        default:
            model = .step(
                at: random.next() % 10_000, to: Int64(random.next() % UInt64(2 * bound + 1)) - bound)
        }
    }

    /// The offset at simulated time `elapsed` (ms since the start of the run).
    func offset(elapsed: UInt64) -> Int64 {
        if let excursion { return excursion }
        let raw: Int64
        switch model {
        case .constant: raw = baseOffset
        case let .drift(perSecond): raw = baseOffset + Int64(perSecond * Double(elapsed) / 1_000)
        case let .oscillation(period):
            let phase = Double(elapsed).truncatingRemainder(dividingBy: period) / period
            raw = baseOffset + Int64(Double(bound) * (phase < 0.5 ? phase : 1 - phase))
        case let .step(at, to): raw = elapsed < at ? baseOffset : to
        }
        return min(max(raw, -bound), bound)
    }
}
