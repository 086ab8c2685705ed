/// Durations in milliseconds counted in fixed log-scale buckets, for percentiles in bounded
/// memory: values below 64 each have a bucket of their own; above, each power of two is cut
/// into 32 buckets, so a bucket is at most 1/32 of its values wide and its middle is within
/// 1.6% of any value in it. A million samples cost what a hundred do.
///
/// ```swift
/// var waited = LatencyHistogram()
/// for ms in [4_210, 5_000, 9_000] { waited.record(ms) }
/// waited.percentile(0.5)  // 5_056: the middle of 4_992..<5_120, the bucket of 5_000
/// ```
struct LatencyHistogram: Hashable, Sendable {
    /// Counts by bucket, grown to the highest bucket used.
    private(set) var buckets: [UInt32] = []
    /// How many values were recorded.
    private(set) var count = 0
    /// The smallest and largest values recorded (exact).
    private(set) var minimum = Int.max
    private(set) var maximum = 0

    private static let exactBelow = 64
    private static let perPowerOfTwo = 32

    /// Counts `milliseconds` (negative values count as 0).
    mutating func record(_ milliseconds: Int) {
        let value = max(milliseconds, 0)
        let index = Self.bucket(of: value)
        if index >= buckets.count { buckets += [UInt32](repeating: 0, count: index + 1 - buckets.count) }
        buckets[index] &+= 1
        count += 1
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    /// Adds the counts of `other`.
    mutating func add(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if other.buckets.count > buckets.count { buckets += [UInt32](repeating: 0, count: other.buckets.count - buckets.count) }
        for (index, value) in other.buckets.enumerated() { buckets[index] &+= value }
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// The value below which a share `p` (0...1) of the values lie, nearest rank: the middle
    /// of the bucket that holds it, kept within the smallest and largest values; `nil` when empty.
    func percentile(_ p: Double) -> Int? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((p * Double(count)).rounded(.up)))
        var seen = 0
        for (index, value) in buckets.enumerated() {
            seen += Int(value)
            if seen >= rank {
                let (low, width) = Self.range(of: index)
                return min(max(low + width / 2, minimum), maximum)
            }
        }
        return maximum
    }

    /// The bucket `value` falls in.
    static func bucket(of value: Int) -> Int {
        if value < exactBelow { return value }
        let shift = (Int.bitWidth - value.leadingZeroBitCount) - 6
        return exactBelow + (shift - 1) * perPowerOfTwo + ((value >> shift) - perPowerOfTwo)
    }

    /// The lowest value of bucket `index` and how many values it holds.
    static func range(of index: Int) -> (low: Int, width: Int) {
        if index < exactBelow { return (index, 1) }
        let shift = (index - exactBelow) / perPowerOfTwo + 1
        let mantissa = (index - exactBelow) % perPowerOfTwo + perPowerOfTwo
        return (mantissa << shift, 1 << shift)
    }
}
