import Touchtone

/// The waits between connection attempts: exponential with jitter. The n-th wait after
/// consecutive failures is drawn from `[d/2, d]` with `d = min(first * 2^(n-1), max)`: it
/// grows quickly to the maximum, and links that failed together spread their retries.
///
/// Pure: the random numbers come from a seeded generator, so tests see a fixed sequence.
struct RedisBackoff {
    /// The wait after the first failure, in nanoseconds.
    let first: UInt64
    /// The longest wait, in nanoseconds.
    let maximum: UInt64
    /// Failed attempts since the last good connection.
    private(set) var failures = 0
    private var random: SplitMix64

    /// Waits from `first` doubling up to `maximum` (nanoseconds), jittered with `seed`.
    init(first: UInt64, maximum: UInt64, seed: UInt64) {
        self.first = max(first, 1)
        self.maximum = max(maximum, self.first)
        random = SplitMix64(seed: seed)
    }

    /// The upper bound of the wait after `failures` consecutive failures (1 or more).
    func ceiling(afterFailures failures: Int) -> UInt64 {
        // Shifting by 63 or more would overflow; the maximum is reached long before.
        let shift = UInt64(min(max(failures - 1, 0), 62))
        let (grown, overflow) = first.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? maximum : min(grown, maximum)
    }

    /// Counts one more failure and returns the wait before the next attempt.
    mutating func nextDelay() -> UInt64 {
        failures += 1
        let ceiling = ceiling(afterFailures: failures)
        let half = ceiling / 2
        return half + random.next() % (ceiling - half + 1)
    }

    /// A connection worked: the next failure starts from the first wait again.
    mutating func reset() {
        failures = 0
    }
}
