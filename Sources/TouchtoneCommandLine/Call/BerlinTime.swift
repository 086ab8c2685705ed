import FoundationEssentials
import Touchtone

extension Zone {
    /// Europe/Berlin, the zone of `call --at` (built in, so it needs no tz database).
    static let berlin: Zone = {
        do { return try Zone("Europe/Berlin") } catch { return Zone.utc }
    }()
}

extension OptionValue where Value == Date {
    /// `YYYY-MM-DD HH:MM` (or `HH:MM:SS`) in Europe/Berlin, daylight saving time included.
    static var berlinTime: Self {
        Self(placeholder: "TIME", mustBe: "a time in Europe/Berlin such as \"2026-12-01 10:00\"", read: berlinDate)
    }
}

/// The instant of `YYYY-MM-DD HH:MM` (or `HH:MM:SS`) in Berlin; `nil` when it is no such time.
func berlinDate(_ text: String) -> Date? {
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
    guard parts.count == 2, let day = try? CalendarDay(parsing: String(parts[0])) else { return nil }
    let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { $0.count == 2 ? Int($0) : nil }
    guard clock.count >= 2, clock.count <= 3, let hour = clock[0], let minute = clock[1], hour < 24, minute < 60 else { return nil }
    let second = clock.count == 3 ? clock[2] : 0
    guard let second, second < 60 else { return nil }
    let local = Double(day.daysSinceEpoch * 86400 + hour * 3600 + minute * 60 + second)
    // Two rounds find the offset in force at that local time.
    var guess = local - Double(Zone.berlin.offset(at: Date(timeIntervalSince1970: local)))
    guess = local - Double(Zone.berlin.offset(at: Date(timeIntervalSince1970: guess)))
    return Date(timeIntervalSince1970: guess)
}
