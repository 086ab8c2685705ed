import Touchtone
import TouchtoneServer

/// Durations as a command line spells them: `500ms`, `90s`, `15m`, `2h` (a bare number means seconds).
///
/// ```swift
/// DurationText.parse("15m")            // .seconds(900)
/// DurationText.format(.seconds(7200))  // "2h"
/// ```
public enum DurationText {
    /// The duration `text` spells, or `nil` when it is malformed.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(text)
        var factor: Int64 = 1_000
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            let candidate = text.dropLast(suffix.count)
            if !candidate.isEmpty, candidate.allSatisfy(\.isNumber) {
                number = candidate
                factor = millis
                break
            }
        }
        // At most nine digits, so the product cannot overflow.
        guard !number.isEmpty, number.utf8.count <= 9, number.utf8.allSatisfy(ASCII.isDigit), let value = Int64(number) else {
            return nil
        }
        return .milliseconds(value * factor)
    }

    /// The shortest spelling ``parse(_:)`` reads back (`2h`, `90s`, `250ms`).
    public static func format(_ duration: Duration) -> String {
        let ms = duration.wholeMilliseconds
        if ms % 3_600_000 == 0 && ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 && ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1_000 == 0 { return "\(ms / 1_000)s" }
        return "\(ms)ms"
    }
}
