/// Timing and printing helpers: `ContinuousClock`, best of N runs, fixed-width tables.

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Runs `prepare` (untimed) then `body` (timed) `runs` times and returns the fastest run.
/// `body` returns a value folded into `Sink`, so the optimizer cannot drop the work.
func bestOf<State>(
    _ runs: Int, prepare: () -> State, _ body: (inout State) -> UInt64
) -> Duration {
    let clock = ContinuousClock()
    var best = Duration.seconds(Int64.max)
    for _ in 0..<runs {
        var state = prepare()
        var result: UInt64 = 0
        let elapsed = clock.measure { result = body(&state) }
        Sink.consume(result)
        best = min(best, elapsed)
    }
    return best
}

/// Keeps benchmark results alive; its checksum is printed so the work is observable.
enum Sink {
    nonisolated(unsafe) static var checksum: UInt64 = 0
    @inline(never) static func consume(_ value: UInt64) { checksum = checksum &+ value }
}

/// Formats `value` with `decimals` digits after the point and thousands separators.
func format(_ value: Double, decimals: Int = 0) -> String {
    guard value.isFinite else { return "n/a" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = UInt64(scaled / scale)
    let fraction = UInt64(scaled - Double(whole) * scale)
    var digits = String(whole)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits.removeLast(3)
    }
    grouped = digits + grouped
    if decimals > 0 {
        let fractionText = String(fraction)
        grouped += "." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
    }
    return (value < 0 ? "-" : "") + grouped
}

func pad(_ text: String, _ width: Int, right: Bool = true) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}
