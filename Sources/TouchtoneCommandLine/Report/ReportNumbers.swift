/// How the report writes shares and durations for people (JSON writes plain numbers).
///
/// ```swift
/// ReportNumbers.percent(1, of: 3)        // "33.3%"
/// ReportNumbers.wholePercent(1, of: 3)   // "33%"
/// ReportNumbers.duration(4_210)          // "4.2 s"
/// ```
enum ReportNumbers {
    /// `1 call`, `7 calls`.
    static func calls(_ count: Int) -> String { count == 1 ? "1 call" : "\(count) calls" }

    /// `part` of `whole` with one decimal: `33.3%`; `-` when `whole` is 0.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : percent(Double(part) / Double(whole))
    }

    /// A share (0...1) with one decimal: `12.5%`; `-` for `nil`.
    static func percent(_ share: Double?) -> String {
        guard let share else { return "-" }
        let tenths = Int((share * 1_000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `part` of `whole` in whole percent: `34%` (diagram labels); `-` when `whole` is 0.
    static func wholePercent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    /// Milliseconds as people read them: `850 ms`, `4.2 s`, `3.5 min`; `-` for `nil`.
    static func duration(_ milliseconds: Int?) -> String {
        guard let milliseconds else { return "-" }
        if milliseconds < 1_000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return tenths(milliseconds, per: 1_000) + " s" }
        return tenths(milliseconds, per: 60_000) + " min"
    }

    /// `value / unit` with one decimal.
    private static func tenths(_ value: Int, per unit: Int) -> String {
        let tenths = Int((Double(value) * 10 / Double(unit)).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
