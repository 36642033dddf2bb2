#if canImport(Glibc)
    import Glibc
#endif

/// The only place the node reads the time; the core receives it as an argument.
enum WallClock {
    /// Milliseconds of run time by CLOCK_BOOTTIME: monotonic, and it counts a suspend too, so a
    /// laptop waking up shows as a stall (`NodeCore.noteRunTime`), never as a clock step.
    static func monotonicMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_BOOTTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
    }

    /// Milliseconds since the Unix epoch (CLOCK_REALTIME).
    static func nowMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
