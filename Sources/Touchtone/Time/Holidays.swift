/// One way a holiday recurs: every year on a date, relative to Easter, or once.
public struct HolidayRule: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case annual(month: Int, day: Int)
        case easter(offset: Int)
        case once(CalendarDay)
        /// The Wednesday before November 23 (Buß- und Bettag).
        case wednesdayBeforeNovember23
    }

    let kind: Kind
    /// The holiday's name, e.g. "Neujahr".
    public let name: String

    /// Every year on the same date, e.g. `.annual(month: 12, day: 25, "1. Weihnachtstag")`.
    /// February 29 only matches in leap years. An impossible date stops the program
    /// (it is a programming error).
    public static func annual(month: Int, day: Int, _ name: String) -> HolidayRule {
        precondition((1...12).contains(month), "HolidayRule.annual: month \(month) is not 1-12")
        precondition(
            (1...daysInMonth(month, year: 2000)).contains(day),
            "HolidayRule.annual: day \(day) does not exist in month \(month)")
        return HolidayRule(kind: .annual(month: month, day: day), name: name)
    }

    /// `days` after Easter Sunday (negative: before), e.g. -2 for Good Friday.
    public static func easter(offset days: Int, _ name: String) -> HolidayRule {
        HolidayRule(kind: .easter(offset: days), name: name)
    }

    /// A single date.
    public static func once(_ day: CalendarDay, _ name: String) -> HolidayRule {
        HolidayRule(kind: .once(day), name: name)
    }

    /// The Wednesday before November 23, e.g. Buß- und Bettag in Saxony.
    public static func wednesdayBeforeNovember23(_ name: String) -> HolidayRule {
        HolidayRule(kind: .wednesdayBeforeNovember23, name: name)
    }
}

/// A set of closing days, computed by rule for any year.
///
/// ```swift
/// HolidayCalendar.germany.holiday(on: "2026-04-03")   // "Karfreitag"
/// let bavaria = HolidayCalendar.germany(state: .bavaria)
/// let company = bavaria + HolidayCalendar(fixed: ["2026-12-24": "Heiligabend"])
/// ```
public struct HolidayCalendar: Sendable, Hashable, CustomStringConvertible {
    /// A short name for descriptions, e.g. "German public holidays".
    public let name: String
    private let rules: [HolidayRule]
    private let fixedDays: [CalendarDay: String]

    /// A calendar from recurring rules.
    public init(name: String, rules: [HolidayRule]) {
        self.name = name
        self.rules = rules
        self.fixedDays = [:]
    }

    /// A calendar of individual dates and their names.
    public init(name: String = "special days", fixed days: [CalendarDay: String]) {
        self.name = name
        self.rules = []
        self.fixedDays = days
    }

    private init(name: String, rules: [HolidayRule], fixedDays: [CalendarDay: String]) {
        self.name = name
        self.rules = rules
        self.fixedDays = fixedDays
    }

    /// The holiday's name on `day`, or nil on a normal day. The first matching rule wins.
    /// Does not allocate.
    public func holiday(on day: CalendarDay) -> String? {
        if !fixedDays.isEmpty, let name = fixedDays[day] { return name }
        let days = day.daysSinceEpoch
        var easterDays: Int?
        for rule in rules {
            switch rule.kind {
            case .annual(let month, let dayOfMonth):
                if day.month == month && day.day == dayOfMonth { return rule.name }
            case .once(let date):
                if date == day { return rule.name }
            case .easter(let offset):
                let easter = easterDays ?? HolidayCalendar.easterSunday(year: day.year).daysSinceEpoch
                easterDays = easter
                if days == easter + offset { return rule.name }
            case .wednesdayBeforeNovember23:
                // November 16...22 and a Wednesday.
                if day.month == 11 && (16...22).contains(day.day) && Weekday(daysSinceEpoch: days) == .wednesday {
                    return rule.name
                }
            }
        }
        return nil
    }

    /// Both calendars; on a day in both, this calendar's name wins.
    public func merging(_ other: HolidayCalendar) -> HolidayCalendar {
        HolidayCalendar(
            name: name + " + " + other.name, rules: rules + other.rules,
            fixedDays: fixedDays.merging(other.fixedDays) { mine, _ in mine })
    }

    /// Both calendars; on a day in both, the left one's name wins.
    public static func + (lhs: HolidayCalendar, rhs: HolidayCalendar) -> HolidayCalendar {
        lhs.merging(rhs)
    }

    /// The calendar's name, e.g. "German public holidays".
    public var description: String { name }

    /// Easter Sunday in the Gregorian calendar (anonymous Gregorian computus,
    /// Meeus/Jones/Butcher). Valid for any year from 1583 on.
    public static func easterSunday(year: Int) -> CalendarDay {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDay(uncheckedYear: year, month: month, day: day)
    }

    // MARK: - Germany

    private static let germanNationwideRules: [HolidayRule] = [
        .annual(month: 1, day: 1, "Neujahr"),
        .easter(offset: -2, "Karfreitag"),
        .easter(offset: 1, "Ostermontag"),
        .annual(month: 5, day: 1, "Tag der Arbeit"),
        .easter(offset: 39, "Christi Himmelfahrt"),
        .easter(offset: 50, "Pfingstmontag"),
        .annual(month: 10, day: 3, "Tag der Deutschen Einheit"),
        .annual(month: 12, day: 25, "1. Weihnachtstag"),
        .annual(month: 12, day: 26, "2. Weihnachtstag"),
    ]

    /// German nationwide public holidays under current law, for any year: Neujahr,
    /// Karfreitag, Ostermontag, Tag der Arbeit, Christi Himmelfahrt, Pfingstmontag,
    /// Tag der Deutschen Einheit, 1. and 2. Weihnachtstag. (One-off holidays of past
    /// years, such as Reformationstag 2017, are not included.)
    public static let germany = HolidayCalendar(
        name: "German public holidays", rules: germanNationwideRules)

    /// A German state (Bundesland), for its additional public holidays.
    public enum GermanState: String, Sendable, Hashable, CaseIterable {
        /// Baden-Württemberg (`BW`).
        case badenWuerttemberg = "BW"
        /// Bavaria (Bayern, `BY`).
        case bavaria = "BY"
        /// Berlin (`BE`).
        case berlin = "BE"
        /// Brandenburg (`BB`).
        case brandenburg = "BB"
        /// Bremen (`HB`).
        case bremen = "HB"
        /// Hamburg (`HH`).
        case hamburg = "HH"
        /// Hesse (Hessen, `HE`).
        case hesse = "HE"
        /// Mecklenburg-Vorpommern (`MV`).
        case mecklenburgVorpommern = "MV"
        /// Lower Saxony (Niedersachsen, `NI`).
        case lowerSaxony = "NI"
        /// North Rhine-Westphalia (Nordrhein-Westfalen, `NW`).
        case northRhineWestphalia = "NW"
        /// Rhineland-Palatinate (Rheinland-Pfalz, `RP`).
        case rhinelandPalatinate = "RP"
        /// Saarland (`SL`).
        case saarland = "SL"
        /// Saxony (Sachsen, `SN`).
        case saxony = "SN"
        /// Saxony-Anhalt (Sachsen-Anhalt, `ST`).
        case saxonyAnhalt = "ST"
        /// Schleswig-Holstein (`SH`).
        case schleswigHolstein = "SH"
        /// Thuringia (Thüringen, `TH`).
        case thuringia = "TH"
    }

    /// Nationwide holidays plus the state-wide ones of `state` under current law:
    /// Heilige Drei Könige (BW, BY, ST), Internationaler Frauentag (BE, MV),
    /// Ostersonntag and Pfingstsonntag (BB), Fronleichnam (BW, BY, HE, NW, RP, SL),
    /// Mariä Himmelfahrt (SL), Weltkindertag (TH), Reformationstag (BB, HB, HH, MV, NI,
    /// SN, ST, SH, TH), Allerheiligen (BW, BY, NW, RP, SL), Buß- und Bettag (SN).
    /// Holidays of single municipalities (e.g. Mariä Himmelfahrt in parts of Bavaria,
    /// Fronleichnam in parts of Saxony and Thuringia) are not included.
    public static func germany(state: GermanState) -> HolidayCalendar {
        var rules = germanNationwideRules
        func add(_ rule: HolidayRule, in states: Set<GermanState>) {
            if states.contains(state) { rules.append(rule) }
        }
        add(.annual(month: 1, day: 6, "Heilige Drei Könige"), in: [.badenWuerttemberg, .bavaria, .saxonyAnhalt])
        add(.annual(month: 3, day: 8, "Internationaler Frauentag"), in: [.berlin, .mecklenburgVorpommern])
        add(.easter(offset: 0, "Ostersonntag"), in: [.brandenburg])
        add(.easter(offset: 49, "Pfingstsonntag"), in: [.brandenburg])
        add(
            .easter(offset: 60, "Fronleichnam"),
            in: [.badenWuerttemberg, .bavaria, .hesse, .northRhineWestphalia, .rhinelandPalatinate, .saarland])
        add(.annual(month: 8, day: 15, "Mariä Himmelfahrt"), in: [.saarland])
        add(.annual(month: 9, day: 20, "Weltkindertag"), in: [.thuringia])
        add(
            .annual(month: 10, day: 31, "Reformationstag"),
            in: [
                .brandenburg, .bremen, .hamburg, .mecklenburgVorpommern, .lowerSaxony, .saxony,
                .saxonyAnhalt, .schleswigHolstein, .thuringia,
            ])
        add(
            .annual(month: 11, day: 1, "Allerheiligen"),
            in: [.badenWuerttemberg, .bavaria, .northRhineWestphalia, .rhinelandPalatinate, .saarland])
        add(.wednesdayBeforeNovember23("Buß- und Bettag"), in: [.saxony])
        return HolidayCalendar(name: "German public holidays (\(state.rawValue))", rules: rules)
    }
}
