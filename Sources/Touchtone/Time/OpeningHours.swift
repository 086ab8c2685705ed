import FoundationEssentials

/// Whether a business is open, and if not, why.
public enum OpeningStatus: Sendable, Hashable, CustomStringConvertible {
    /// Within opening hours.
    case open
    /// Outside opening hours on a normal day ("after hours").
    case closed
    /// Closed all day for a holiday or special closing day; carries its name.
    case holiday(String)

    /// True only for ``open``.
    public var isOpen: Bool { self == .open }

    /// "open", "closed", or "closed (NAME)" on a holiday or special closing day.
    public var description: String {
        switch self {
        case .open: "open"
        case .closed: "closed"
        case .holiday(let name): "closed (\(name))"
        }
    }
}

/// One line inside an ``OpeningHours`` block; made by ``Open`` and ``Closed``.
public struct OpeningRule: Sendable {
    enum Kind: Sendable {
        case weekly(days: [Weekday], from: TimeOfDay, to: TimeOfDay)
        case openOn(CalendarDay, from: TimeOfDay, to: TimeOfDay)
        case closedOn(CalendarDay, reason: String)
        case closedOnHolidays(HolidayCalendar)
    }

    let kind: Kind
}

/// Regular or special-day opening hours: `Open(.monday ... .friday, from: "08:00", to: "18:00")`.
///
/// `from` must be earlier than `to` ("24:00" closes at midnight). A backwards interval
/// stops the program with a message: it is a programming error, caught by any test.
public struct Open: Sendable {
    let rule: OpeningRule

    /// Open on a range of weekdays, e.g. `.monday ... .friday` or `Weekday.workdays`.
    public init(_ days: ClosedRange<Weekday>, from: TimeOfDay, to: TimeOfDay) {
        self.init(Weekday.allCases.filter { days.contains($0) }, from: from, to: to)
    }

    /// Open on one weekday.
    public init(_ day: Weekday, from: TimeOfDay, to: TimeOfDay) {
        self.init([day], from: from, to: to)
    }

    /// Open on the listed weekdays, e.g. `[.monday, .wednesday]`.
    public init(_ days: [Weekday], from: TimeOfDay, to: TimeOfDay) {
        Open.check(from: from, to: to)
        rule = OpeningRule(kind: .weekly(days: days, from: from, to: to))
    }

    /// Hours for one date; they replace the weekday's hours and any holiday on that date.
    /// Several `Open(on:)` lines for the same date add intervals.
    public init(on day: CalendarDay, from: TimeOfDay, to: TimeOfDay) {
        Open.check(from: from, to: to)
        rule = OpeningRule(kind: .openOn(day, from: from, to: to))
    }

    private static func check(from: TimeOfDay, to: TimeOfDay) {
        precondition(from < to, "Open(from: \(from), to: \(to)): opening must be before closing")
    }
}

/// Closing days: `Closed(on: HolidayCalendar.germany)` or `Closed(on: "2026-12-24")`.
public struct Closed: Sendable {
    let rule: OpeningRule

    /// Closed all day on every holiday of `calendar`; the status names the holiday.
    public init(on calendar: HolidayCalendar) {
        rule = OpeningRule(kind: .closedOnHolidays(calendar))
    }

    /// Closed all day on `day`; the status reports `.holiday(reason)`.
    public init(on day: CalendarDay, reason: String = "special closing day") {
        rule = OpeningRule(kind: .closedOn(day, reason: reason))
    }
}

/// Collects ``Open`` and ``Closed`` lines into ``OpeningHours``; supports `if`, `if/else`
/// and `for` inside the block.
@resultBuilder
public enum OpeningHoursBuilder: ListBuilder {
    /// The block collects opening rules.
    public typealias Item = OpeningRule
    /// An ``Open`` line: one rule.
    public static func buildExpression(_ open: Open) -> [OpeningRule] { [open.rule] }
    /// A ``Closed`` line: one rule.
    public static func buildExpression(_ closed: Closed) -> [OpeningRule] { [closed.rule] }
    /// Rules made elsewhere, e.g. by a helper marked `@OpeningHoursBuilder`, taken as they are.
    public static func buildExpression(_ rules: [OpeningRule]) -> [OpeningRule] { rules }
    /// An empty block: no rules, so never open.
    public static func buildBlock() -> [OpeningRule] { [] }
}

/// When a business answers calls, in its own time zone.
///
/// ```swift
/// let hours = OpeningHours(zone: "Europe/Berlin") {
///     Open(.monday ... .friday, from: "08:00", to: "18:00")
///     Open(.saturday, from: "10:00", to: "13:00")
///     Closed(on: HolidayCalendar.germany)
///     Closed(on: "2026-12-24")
///     Open(on: "2026-12-31", from: "09:00", to: "12:00")
/// }
/// hours.status(at: now)   // .open, .closed or .holiday("Karfreitag")
/// ```
///
/// Precedence for a date: `Open(on:)`/`Closed(on:)` for that date (the later line wins
/// between the two kinds), then holiday calendars, then weekday hours. Intervals may
/// overlap; they are merged. Checking a moment reads no files and does not allocate.
public struct OpeningHours: Sendable, CustomStringConvertible {
    enum SpecialDay: Sendable {
        case closed(reason: String)
        case open([MinuteInterval])
    }

    struct MinuteInterval: Sendable, Hashable {
        var start: Int
        var end: Int
    }

    /// The zone the hours are given in.
    public let zone: Zone
    /// Merged intervals per weekday, index 0 = Monday.
    private let weekly: [[MinuteInterval]]
    private let specialDays: [CalendarDay: SpecialDay]
    private let holidayCalendars: [HolidayCalendar]

    /// Hours in `zone`.
    public init(zone: Zone, @OpeningHoursBuilder _ rules: () -> [OpeningRule]) {
        self.init(zone: zone, rules: rules())
    }

    /// Hours in the zone named by a literal, e.g. `OpeningHours(zone: "Europe/Berlin") { ... }`.
    /// An unknown zone name stops the program with a message (it is a programming error);
    /// use ``init(zone:_:)`` with `try Zone(name)` for names from outside.
    public init(zone identifier: StaticString, @OpeningHoursBuilder _ rules: () -> [OpeningRule]) {
        let name = identifier.description
        do {
            self.init(zone: try Zone(name), rules: rules())
        } catch {
            preconditionFailure("OpeningHours: \(error)")
        }
    }

    /// Hours from a list of rules, for hours assembled at run time.
    public init(zone: Zone, rules: [OpeningRule]) {
        self.zone = zone
        var weekly = [[MinuteInterval]](repeating: [], count: 7)
        var specialDays: [CalendarDay: SpecialDay] = [:]
        var holidayCalendars: [HolidayCalendar] = []
        for rule in rules {
            switch rule.kind {
            case .weekly(let days, let from, let to):
                let interval = MinuteInterval(start: from.minutesSinceMidnight, end: to.minutesSinceMidnight)
                for day in days { weekly[day.rawValue - 1].append(interval) }
            case .openOn(let day, let from, let to):
                let interval = MinuteInterval(start: from.minutesSinceMidnight, end: to.minutesSinceMidnight)
                if case .open(let existing) = specialDays[day] {
                    specialDays[day] = .open(OpeningHours.merged(existing + [interval]))
                } else {
                    specialDays[day] = .open([interval])
                }
            case .closedOn(let day, let reason):
                specialDays[day] = .closed(reason: reason)
            case .closedOnHolidays(let calendar):
                holidayCalendars.append(calendar)
            }
        }
        self.weekly = weekly.map(OpeningHours.merged)
        self.specialDays = specialDays
        self.holidayCalendars = holidayCalendars
    }

    /// Whether the business is open at `date`.
    public func isOpen(at date: Date) -> Bool {
        status(at: date) == .open
    }

    /// Open, closed after hours, or closed for a named holiday at `date`.
    public func status(at date: Date) -> OpeningStatus {
        let local = zone.localTime(at: date)
        let minute = local.hour * 60 + local.minute
        let day = local.calendarDay
        if !specialDays.isEmpty, let special = specialDays[day] {
            switch special {
            case .closed(let reason): return .holiday(reason)
            case .open(let intervals): return OpeningHours.contains(intervals, minute) ? .open : .closed
            }
        }
        for calendar in holidayCalendars {
            if let name = calendar.holiday(on: day) { return .holiday(name) }
        }
        return OpeningHours.contains(weekly[local.weekday.rawValue - 1], minute) ? .open : .closed
    }

    /// E.g. "Mon-Fri 08:00-18:00, Sat 10:00-13:00; closed on German public holidays;
    /// 2026-12-24 closed; 2026-12-31 09:00-12:00 (Europe/Berlin)".
    public var description: String {
        var parts: [String] = []
        var weekdayParts: [String] = []
        var index = 0
        while index < 7 {
            var last = index
            while last + 1 < 7 && weekly[last + 1] == weekly[index] { last += 1 }
            if !weekly[index].isEmpty {
                let first = Weekday.allCases[index].abbreviation
                let label = last == index ? first : first + "-" + Weekday.allCases[last].abbreviation
                weekdayParts.append(label + " " + OpeningHours.describe(weekly[index]))
            }
            index = last + 1
        }
        parts.append(weekdayParts.isEmpty ? "closed" : weekdayParts.joined(separator: ", "))
        for calendar in holidayCalendars { parts.append("closed on " + calendar.name) }
        for (day, special) in specialDays.sorted(by: { $0.key < $1.key }) {
            switch special {
            case .closed: parts.append(day.description + " closed")
            case .open(let intervals): parts.append(day.description + " " + OpeningHours.describe(intervals))
            }
        }
        return parts.joined(separator: "; ") + " (" + zone.identifier + ")"
    }

    private static func contains(_ intervals: [MinuteInterval], _ minute: Int) -> Bool {
        for interval in intervals where interval.start <= minute && minute < interval.end { return true }
        return false
    }

    private static func describe(_ intervals: [MinuteInterval]) -> String {
        intervals.map {
            TimeOfDay(uncheckedMinutes: $0.start).description + "-"
                + TimeOfDay(uncheckedMinutes: $0.end).description
        }.joined(separator: " ")
    }

    /// Sorted, with overlapping or touching intervals joined.
    private static func merged(_ intervals: [MinuteInterval]) -> [MinuteInterval] {
        var result: [MinuteInterval] = []
        for interval in intervals.sorted(by: { $0.start < $1.start }) {
            if let last = result.last, interval.start <= last.end {
                result[result.count - 1].end = max(last.end, interval.end)
            } else {
                result.append(interval)
            }
        }
        return result
    }
}
