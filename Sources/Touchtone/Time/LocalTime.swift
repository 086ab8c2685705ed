import FoundationEssentials

/// A day of the week, ordered Monday first (ISO 8601), so `.monday ... .friday` is a range.
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Monday, the first day of the week (raw value 1).
    case monday = 1
    /// Tuesday (raw value 2).
    case tuesday
    /// Wednesday (raw value 3).
    case wednesday
    /// Thursday (raw value 4).
    case thursday
    /// Friday (raw value 5).
    case friday
    /// Saturday (raw value 6).
    case saturday
    /// Sunday, the last day of the week (raw value 7).
    case sunday

    /// Monday to Friday.
    public static let workdays: ClosedRange<Weekday> = .monday ... .friday
    /// Saturday and Sunday.
    public static let weekend: ClosedRange<Weekday> = .saturday ... .sunday

    /// Earlier in the week, Monday first.
    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The weekday `n` days later; wraps around the week (Sunday + 1 is Monday).
    public func adding(days n: Int) -> Weekday {
        // The raw value is always 1...7 after the modulo, so the fallback is unreachable.
        Weekday(rawValue: floorModulo(rawValue - 1 + n, 7) + 1) ?? .monday
    }

    /// Three-letter English abbreviation, e.g. "Mon".
    public var abbreviation: String {
        switch self {
        case .monday: "Mon"
        case .tuesday: "Tue"
        case .wednesday: "Wed"
        case .thursday: "Thu"
        case .friday: "Fri"
        case .saturday: "Sat"
        case .sunday: "Sun"
        }
    }

    /// The three-letter abbreviation, e.g. "Mon".
    public var description: String { abbreviation }

    /// The weekday of a day count since 1970-01-01 (a Thursday).
    init(daysSinceEpoch days: Int) {
        self = Weekday(rawValue: floorModulo(days + 3, 7) + 1) ?? .monday
    }
}

/// Why a time-of-day or calendar-day string was rejected.
public struct TimeValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rejected text (shortened if very long).
    public let input: String
    /// What is wrong with it.
    public let reason: String

    /// An error for `input` (shortened to 40 characters) rejected for `reason`.
    public init(input: String, reason: String) {
        self.input = input.count > 40 ? String(input.prefix(40)) + "..." : input
        self.reason = reason
    }

    /// The input and the reason in one line: `invalid value "INPUT": REASON`.
    public var description: String { "invalid value \"\(input)\": \(reason)" }
}

/// A wall-clock time of day with minute precision, "00:00" through "24:00".
///
/// "24:00" means the end of the day, so `Open(..., from: "20:00", to: "24:00")` works.
/// String literals are checked when they are created; a malformed literal stops the
/// program with a message (it is a programming error). Use ``init(parsing:)`` for text
/// that comes from outside.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// 0...24 (24 only as "24:00").
    public let hour: Int
    /// 0...59.
    public let minute: Int

    /// Minutes since midnight, 0...1440.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    /// Creates a time of day; throws unless 0 <= hour <= 23 and 0 <= minute <= 59, or 24:00.
    public init(hour: Int, minute: Int = 0) throws {
        guard (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else {
            throw TimeValueError(
                input: "\(hour):\(minute)",
                reason: "hour must be 0-23 and minute 0-59 (or exactly 24:00)")
        }
        self.hour = hour
        self.minute = minute
    }

    /// Parses "HH:MM" (or "H:MM"), e.g. "08:00", "17:30", "24:00".
    public init(parsing text: String) throws {
        let bytes = Array(text.utf8.prefix(8))
        guard text.utf8.count <= 5, let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            colon == 1 || colon == 2, bytes.count - colon == 3,
            let hour = parseDigits(bytes[0..<colon]), let minute = parseDigits(bytes[(colon + 1)...])
        else {
            throw TimeValueError(input: text, reason: "expected HH:MM, e.g. 08:00")
        }
        do {
            try self.init(hour: hour, minute: minute)
        } catch {
            throw TimeValueError(
                input: text, reason: "hour must be 00-23 and minute 00-59 (or exactly 24:00)")
        }
    }

    /// A literal like "08:00"; stops the program with a clear message if malformed.
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("TimeOfDay literal: \(error)")
        }
    }

    init(uncheckedMinutes minutes: Int) {
        hour = minutes / 60
        minute = minutes % 60
    }

    /// Earlier in the day.
    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }

    /// "HH:MM".
    public var description: String { twoDigits(hour) + ":" + twoDigits(minute) }
}

/// A date on the calendar without time or zone, e.g. 2026-12-24.
///
/// String literals are checked when created; a malformed literal stops the program with
/// a message (it is a programming error). Use ``init(parsing:)`` for outside text.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// 1...9999.
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...31, valid for the month and year.
    public let day: Int

    /// Creates a day; throws if it does not exist (e.g. 2027-02-29) or the year is outside 1...9999.
    public init(year: Int, month: Int, day: Int) throws {
        guard (1...9999).contains(year) else {
            throw TimeValueError(input: "\(year)-\(month)-\(day)", reason: "year must be 1-9999")
        }
        guard (1...12).contains(month) else {
            throw TimeValueError(input: "\(year)-\(month)-\(day)", reason: "month must be 1-12")
        }
        let limit = daysInMonth(month, year: year)
        guard (1...limit).contains(day) else {
            throw TimeValueError(
                input: "\(year)-\(month)-\(day)", reason: "day must be 1-\(limit) in that month")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "YYYY-MM-DD", e.g. "2026-12-24".
    public init(parsing text: String) throws {
        let bytes = Array(text.utf8.prefix(11))
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = parseDigits(bytes[0..<4]), let month = parseDigits(bytes[5..<7]),
            let day = parseDigits(bytes[8..<10])
        else {
            throw TimeValueError(input: text, reason: "expected YYYY-MM-DD, e.g. 2026-12-24")
        }
        do {
            try self.init(year: year, month: month, day: day)
        } catch let error as TimeValueError {
            throw TimeValueError(input: text, reason: error.reason)
        }
    }

    /// A literal like "2026-12-24"; stops the program with a clear message if malformed.
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("CalendarDay literal: \(error)")
        }
    }

    init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(daysSinceEpoch days: Int) {
        let civil = civilFromDays(days)
        self.init(uncheckedYear: civil.year, month: civil.month, day: civil.day)
    }

    /// Days since 1970-01-01.
    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int { daysFromCivil(year: year, month: month, day: day) }

    /// The day of the week.
    public var weekday: Weekday { Weekday(daysSinceEpoch: daysSinceEpoch) }

    /// The day `count` days later (earlier if negative).
    public func adding(days count: Int) -> CalendarDay {
        CalendarDay(daysSinceEpoch: daysSinceEpoch + count)
    }

    /// Earlier on the calendar.
    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// "YYYY-MM-DD".
    public var description: String {
        let paddedYear = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return paddedYear + "-" + twoDigits(month) + "-" + twoDigits(day)
    }
}

/// A moment as seen on a wall clock in some zone.
public struct LocalTime: Sendable, Hashable, CustomStringConvertible {
    /// The calendar year, e.g. 2026.
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...31.
    public let day: Int
    /// The day of the week.
    public let weekday: Weekday
    /// 0...23.
    public let hour: Int
    /// 0...59.
    public let minute: Int
    /// 0...59.
    public let second: Int
    /// Seconds east of UTC in effect at this moment.
    public let utcOffset: Int

    /// The calendar day part.
    public var calendarDay: CalendarDay { CalendarDay(uncheckedYear: year, month: month, day: day) }
    /// The time of day, truncated to the minute.
    public var timeOfDay: TimeOfDay { TimeOfDay(uncheckedMinutes: hour * 60 + minute) }

    init(localSeconds: Int, utcOffset: Int) {
        let days = floorDivide(localSeconds, secondsPerDay)
        let secondOfDay = localSeconds - days * secondsPerDay
        let civil = civilFromDays(days)
        year = civil.year
        month = civil.month
        day = civil.day
        weekday = Weekday(daysSinceEpoch: days)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        self.utcOffset = utcOffset
    }

    /// ISO 8601 with offset, e.g. "2026-03-29T03:00:00+02:00".
    public var description: String {
        let sign = utcOffset < 0 ? "-" : "+"
        let magnitude = abs(utcOffset)
        return calendarDay.description + "T" + twoDigits(hour) + ":" + twoDigits(minute) + ":"
            + twoDigits(second) + sign + twoDigits(magnitude / 3600) + ":"
            + twoDigits(magnitude / 60 % 60)
    }
}

/// Decimal value of 1 or more ASCII digits; nil for anything else (including empty input).
func parseDigits(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
    var value = 0
    for byte in bytes {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}

func twoDigits(_ value: Int) -> String {
    value < 10 ? "0" + String(value) : String(value)
}
