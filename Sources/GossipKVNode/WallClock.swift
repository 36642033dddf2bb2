#if canImport(Glibc)
    import Glibc
#endif

/// The only place the node reads wall-clock time; the core receives it as an argument.
enum WallClock {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME).
    static func nowMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
