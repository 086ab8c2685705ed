extension Duration {
    /// Whole nanoseconds, for comparison with a monotonic clock: negative durations as 0,
    /// saturating at `UInt64.max`.
    package var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return UInt64.max }
        return ns &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// Whole milliseconds, rounded toward zero, saturating at `Int.min` and `Int.max`.
    package var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let (ms, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = ms.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        if overflowAgain { return seconds < 0 ? .min : .max }
        return total
    }

    /// In seconds, as a `Date` or a `WallClock` counts time.
    package var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
