import Touchtone

/// Times in UTC as the log writes them (`2026-12-06T14:03:12.345Z`) and as `--since` and
/// `--until` take them (`2026-12-06`, `2026-12-06T14:00`, `2026-12-06T14:00:00Z`), as
/// milliseconds since 1970, so that they compare as numbers.
///
/// ```swift
/// LogTime.milliseconds("2026-12-06T14:00")  // 1_796_565_600_000
/// LogTime.milliseconds("2026-12-06T25:00")  // nil
/// ```
enum LogTime {
    /// The time `text` spells, or `nil`.
    static func milliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { milliseconds($0) }
    }

    /// The time `bytes` spell: a date, then optionally `T` with hours and minutes, seconds,
    /// a fraction of a second; then optionally `Z`. Every field in range, or `nil`.
    static func milliseconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var reader = Reader(bytes: bytes)
        guard let year = reader.digits(4), reader.skip("-"), let month = reader.digits(2), reader.skip("-"),
            let day = reader.digits(2), let date = try? CalendarDay(year: year, month: month, day: day)
        else { return nil }
        var milliseconds = Int64(date.daysSinceEpoch) * 86_400_000
        if reader.skip("T") {
            guard let hour = reader.digits(2), reader.skip(":"), let minute = reader.digits(2), hour < 24, minute < 60 else { return nil }
            milliseconds += Int64(hour * 3_600_000 + minute * 60_000)
            if reader.skip(":") {
                guard let second = reader.digits(2), second < 60 else { return nil }
                milliseconds += Int64(second * 1_000)
                if reader.skip(".") {
                    guard let fraction = reader.fractionMilliseconds() else { return nil }
                    milliseconds += Int64(fraction)
                }
            }
        }
        _ = reader.skip("Z")
        return reader.isAtEnd ? milliseconds : nil
    }

    /// Reads fixed-width fields from the front of the bytes.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        /// Exactly `count` decimal digits as a number.
        mutating func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<position + count] {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += count
            return value
        }

        /// One to nine digits of a fraction of a second, as whole milliseconds.
        mutating func fractionMilliseconds() -> Int? {
            var value = 0
            var count = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                if count < 3 { value = value * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                count += 1
                position += 1
            }
            guard (1...9).contains(count) else { return nil }
            for _ in 0..<max(0, 3 - count) { value *= 10 }
            return value
        }

        /// Steps over `character` when it comes next.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
            position += 1
            return true
        }
    }
}
