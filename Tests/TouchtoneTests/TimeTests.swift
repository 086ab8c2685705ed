import FoundationEssentials
import Testing
import Touchtone

// All instants are given explicitly; nothing reads the wall clock.

/// An instant from "YYYY-MM-DDTHH:MM:SSZ", computed by plain day counting (independent of
/// the calendar code under test).
private func utc(_ text: String) -> Date {
    let parts = text.dropLast().split(whereSeparator: { "-T:".contains($0) }).map { Int($0)! }
    let (year, month, day, hour, minute, second) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    func leap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    var days = 0
    for y in min(year, 1970)..<max(year, 1970) { days += (leap(y) ? 366 : 365) * (year < 1970 ? -1 : 1) }
    let monthLengths = [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for m in 0..<(month - 1) { days += monthLengths[m] }
    days += day - 1
    return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
}

private func builtIn(_ identifier: String) throws -> Zone {
    try Zone(identifier, source: .builtIn)
}

private func zoneError(_ body: () throws -> Zone) -> ZoneError? {
    do {
        _ = try body()
        return nil
    } catch let error as ZoneError {
        return error
    } catch {
        return nil
    }
}

@Suite("Time zones")
struct TimeZoneTests {
    @Test func testHelperMatchesKnownEpochSeconds() {
        #expect(utc("2026-03-29T01:00:00Z").timeIntervalSince1970 == 1_774_746_000)
        #expect(utc("2026-10-25T00:59:59Z").timeIntervalSince1970 == 1_792_889_999)
        #expect(utc("1900-01-15T00:00:00Z").timeIntervalSince1970 == -2_207_779_200)
    }

    @Test(arguments: [
        ("2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-10-25T00:59:59Z", "2026-10-25T01:00:00Z"),
        ("2027-03-28T00:59:59Z", "2027-03-28T01:00:00Z", "2027-10-31T00:59:59Z", "2027-10-31T01:00:00Z"),
    ])
    func berlinSwitchesOnLastSundaysAtOneUTC(
        beforeSpring: String, spring: String, beforeAutumn: String, autumn: String
    ) throws {
        let berlin = try builtIn("Europe/Berlin")
        #expect(berlin.offset(at: utc(beforeSpring)) == 3600)
        #expect(berlin.offset(at: utc(spring)) == 7200)
        #expect(berlin.isDaylightSavingTime(at: utc(spring)))
        #expect(berlin.offset(at: utc(beforeAutumn)) == 7200)
        #expect(berlin.offset(at: utc(autumn)) == 3600)
        #expect(!berlin.isDaylightSavingTime(at: utc(autumn)))
    }

    @Test func berlinWallClockJumpsFromTwoToThree() throws {
        let berlin = try builtIn("Europe/Berlin")
        let before = berlin.localTime(at: utc("2026-03-29T00:59:59Z"))
        #expect((before.hour, before.minute, before.second) == (1, 59, 59))
        let after = berlin.localTime(at: utc("2026-03-29T01:00:00Z"))
        #expect((after.hour, after.minute, after.second) == (3, 0, 0))
        #expect(after.weekday == .sunday)
        #expect(after.description == "2026-03-29T03:00:00+02:00")
        // In autumn 02:00-03:00 happens twice.
        #expect(berlin.localTime(at: utc("2026-10-25T00:30:00Z")).description == "2026-10-25T02:30:00+02:00")
        #expect(berlin.localTime(at: utc("2026-10-25T01:30:00Z")).description == "2026-10-25T02:30:00+01:00")
    }

    @Test func newYorkSwitchesOnSecondSundayOfMarchAndFirstOfNovember() throws {
        let newYork = try builtIn("America/New_York")
        #expect(newYork.offset(at: utc("2026-03-08T06:59:59Z")) == -5 * 3600)
        #expect(newYork.offset(at: utc("2026-03-08T07:00:00Z")) == -4 * 3600)
        #expect(newYork.offset(at: utc("2026-11-01T05:59:59Z")) == -4 * 3600)
        #expect(newYork.offset(at: utc("2026-11-01T06:00:00Z")) == -5 * 3600)
        let local = newYork.localTime(at: utc("2026-01-01T03:00:00Z"))
        #expect((local.year, local.month, local.day, local.hour, local.weekday) == (2025, 12, 31, 22, .wednesday))
    }

    @Test func sydneyHasSummerTimeAroundNewYear() throws {
        let sydney = try builtIn("Australia/Sydney")
        #expect(sydney.offset(at: utc("2026-01-15T12:00:00Z")) == 11 * 3600)
        #expect(sydney.offset(at: utc("2026-07-15T12:00:00Z")) == 10 * 3600)
        // Ends first Sunday of April 03:00 AEDT, starts first Sunday of October 02:00 AEST.
        #expect(sydney.offset(at: utc("2026-04-04T15:59:59Z")) == 11 * 3600)
        #expect(sydney.offset(at: utc("2026-04-04T16:00:00Z")) == 10 * 3600)
        #expect(sydney.offset(at: utc("2026-10-03T15:59:59Z")) == 10 * 3600)
        #expect(sydney.offset(at: utc("2026-10-03T16:00:00Z")) == 11 * 3600)
        // Year boundary: still summer time on both sides of New Year.
        #expect(sydney.offset(at: utc("2026-12-31T23:59:59Z")) == 11 * 3600)
        #expect(sydney.localTime(at: utc("2026-12-31T13:00:00Z")).calendarDay == "2027-01-01")
    }

    @Test func halfHourAndQuarterHourZones() throws {
        let kolkata = try Zone(identifier: "Asia/Kolkata", posixRule: "IST-5:30")
        #expect(kolkata.offset(at: utc("2026-06-01T00:00:00Z")) == 19_800)
        let local = kolkata.localTime(at: utc("2026-06-01T20:00:00Z"))
        #expect((local.day, local.hour, local.minute) == (2, 1, 30))
        #expect(try builtIn("Asia/Kolkata") == kolkata)
        #expect(try builtIn("Asia/Kathmandu").offset(at: utc("2026-06-01T00:00:00Z")) == 20_700)
        let lordHowe = try builtIn("Australia/Lord_Howe")  // DST of only 30 minutes
        #expect(lordHowe.offset(at: utc("2026-01-15T00:00:00Z")) == 11 * 3600)
        #expect(lordHowe.offset(at: utc("2026-07-15T00:00:00Z")) == 10 * 3600 + 1800)
    }

    @Test func dublinHasNegativeDaylightSavingInWinter() throws {
        let dublin = try builtIn("Europe/Dublin")  // "IST-1GMT0,M10.5.0,M3.5.0/1"
        #expect(dublin.offset(at: utc("2026-01-15T12:00:00Z")) == 0)
        #expect(dublin.offset(at: utc("2026-07-15T12:00:00Z")) == 3600)
        #expect(dublin.offset(at: utc("2026-03-29T00:59:59Z")) == 0)
        #expect(dublin.offset(at: utc("2026-03-29T01:00:00Z")) == 3600)
    }

    @Test func transitionTimesBeyondTheDay() throws {
        // Jerusalem: "M3.4.4/26" = Thursday 26:00, i.e. Friday 02:00 local.
        let jerusalem = try builtIn("Asia/Jerusalem")
        #expect(jerusalem.offset(at: utc("2026-03-26T23:59:59Z")) == 2 * 3600)
        #expect(jerusalem.offset(at: utc("2026-03-27T00:00:00Z")) == 3 * 3600)
        // Nuuk: "M3.5.0/-1" = 23:00 the Saturday before.
        let nuuk = try builtIn("America/Nuuk")
        #expect(nuuk.offset(at: utc("2026-03-29T00:59:59Z")) == -2 * 3600)
        #expect(nuuk.offset(at: utc("2026-03-29T01:00:00Z")) == -1 * 3600)
    }

    @Test func julianAndZeroBasedDayRules() throws {
        // DST defaults to one hour ahead of standard time (+3600 here).
        // Jn never counts February 29: J60 is March 1 in every year.
        let julian = try Zone(identifier: "test", posixRule: "AAA0BBB,J60/0,J300/0")
        #expect(julian.offset(at: utc("2028-02-29T23:59:59Z")) == 0)
        #expect(julian.offset(at: utc("2028-03-01T00:00:00Z")) == 3600)
        // n counts it: day 59 (zero-based) is February 29 in a leap year, March 1 otherwise.
        let zeroBased = try Zone(identifier: "test", posixRule: "AAA0BBB,59/0,300/0")
        #expect(zeroBased.offset(at: utc("2028-02-28T23:59:59Z")) == 0)
        #expect(zeroBased.offset(at: utc("2028-02-29T00:00:00Z")) == 3600)
        #expect(zeroBased.offset(at: utc("2027-02-28T23:59:59Z")) == 0)
        #expect(zeroBased.offset(at: utc("2027-03-01T00:00:00Z")) == 3600)
    }

    @Test func explicitOffsetsDefaultsAndAllYearDaylightSaving() throws {
        let explicit = try Zone(identifier: "test", posixRule: "<-03>3<-0130>1:30,M3.5.0,M10.5.0")
        #expect(explicit.offset(at: utc("2026-01-15T00:00:00Z")) == -3 * 3600)
        #expect(explicit.offset(at: utc("2026-07-15T00:00:00Z")) == -5400)
        // DST name without a rule: US rules, DST one hour ahead.
        let defaults = try Zone(identifier: "test", posixRule: "EST5EDT")
        #expect(defaults.offset(at: utc("2026-03-08T06:59:59Z")) == -5 * 3600)
        #expect(defaults.offset(at: utc("2026-03-08T07:00:00Z")) == -4 * 3600)
        // Starts January 1 00:00 and ends after December 31 (25:00): DST all year.
        let permanent = try Zone(identifier: "test", posixRule: "EST5EDT,0/0,J365/25")
        for instant in [
            "2026-01-01T04:30:00Z", "2026-01-01T05:00:00Z", "2026-06-01T00:00:00Z", "2026-12-31T23:59:59Z", "2027-01-01T05:00:00Z",
            "2400-01-01T05:00:00Z", "2400-12-31T12:00:00Z",
        ] {
            #expect(permanent.offset(at: utc(instant)) == -4 * 3600, "at \(instant)")
        }
    }

    @Test func fixedZonesAndUTC() throws {
        #expect(Zone.utc.offset(at: utc("2026-07-01T00:00:00Z")) == 0)
        #expect(Zone.utc.identifier == "UTC")
        #expect(try builtIn("Asia/Tokyo").offset(at: utc("2026-07-01T00:00:00Z")) == 9 * 3600)
        #expect(try builtIn("Europe/London").offset(at: utc("2026-07-01T00:00:00Z")) == 3600)
        #expect(try builtIn("America/Los_Angeles").offset(at: utc("2026-01-01T00:00:00Z")) == -8 * 3600)
        for name in [
            "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "Europe/Paris",
            "Europe/Amsterdam", "UTC", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
            "Australia/Sydney",
        ] {
            #expect(Zone.builtInIdentifiers.contains(name))
            #expect(throws: Never.self) { try builtIn(name) }
        }
    }

    @Test func extremeDatesAreClampedNotTrapped() throws {
        let berlin = try builtIn("Europe/Berlin")
        for date in [
            Date.distantFuture, Date.distantPast, Date(timeIntervalSince1970: .infinity),
            Date(timeIntervalSince1970: -.infinity), Date(timeIntervalSince1970: .nan),
            Date(timeIntervalSince1970: 1e300),
        ] {
            let local = berlin.localTime(at: date)
            #expect((1...9999).contains(local.year))
        }
        // Beyond the precomputed years the rule still applies.
        #expect(berlin.offset(at: utc("2400-07-01T00:00:00Z")) == 7200)
        #expect(berlin.offset(at: utc("2400-12-01T00:00:00Z")) == 3600)
        let sydney = try builtIn("Australia/Sydney")
        #expect(sydney.offset(at: utc("2400-01-15T00:00:00Z")) == 11 * 3600)
        #expect(sydney.offset(at: utc("2400-07-15T00:00:00Z")) == 10 * 3600)
        #expect(sydney.offset(at: utc("1900-01-15T00:00:00Z")) == 11 * 3600)
    }

    @Test(arguments: [
        "../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd", "Europe/./Berlin", "Europe//Berlin",
        "Europe/Berlin/", "", "Europe/Ber lin", "Europe\\Berlin", "Europe/Berlin\u{0}", "Europe/Bérlin",
        String(repeating: "A", count: 129),
    ])
    func pathLikeOrMalformedIdentifiersAreRejected(identifier: String) {
        for source in [Zone.Source.automatic, .builtIn, .zoneinfo(directory: "/usr/share/zoneinfo")] {
            let error = zoneError { try Zone(identifier, source: source) }
            guard case .invalidIdentifier = error?.reason else {
                Issue.record("expected invalidIdentifier for \(identifier), got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func unknownZonesNameTheIdentifier() {
        let error = zoneError { try Zone("Mars/Olympus_Mons") }
        #expect(error?.reason == .unknownZone)
        #expect(error?.description == "time zone \"Mars/Olympus_Mons\": unknown time zone")
        #expect(zoneError { try Zone("America/Boise_Not", source: .builtIn) }?.reason == .unknownZone)
    }

    @Test(arguments: [
        "", "CE-1", "CET", "C1T-1", "CET-25", "CET-1:60", "CET+", "<AB>-1", "<CET-1", "<C T>-1",
        "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5.0", "CET-1CEST,J0,J100", "CET-1CEST,366,J100",
        "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/3junk", "CET-1CEST,M3.5,M10.5.0",
        "CET-1CEST,M3.5.0/,M10.5.0", "CET-1CEST;M3.5.0,M10.5.0", "CET-1 ", "UTC0\n",
        "CET-1CEST,M3.5.0,M10.5.0/3" + String(repeating: "0", count: 300),
    ])
    func invalidPOSIXRulesAreRejected(rule: String) {
        let error = zoneError { try Zone(identifier: "Test/Zone", posixRule: rule) }
        guard case .invalidRule(let why) = error?.reason else {
            Issue.record("expected invalidRule for \(rule.debugDescription), got \(String(describing: error))")
            return
        }
        #expect(!why.isEmpty)
        #expect(error?.description.hasPrefix("time zone \"Test/Zone\": invalid POSIX TZ rule: ") == true)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Europe/Berlin")))
    func systemZoneFileGivesTheSameRuleAsTheBuiltInTable() throws {
        let fromFile = try Zone("Europe/Berlin", source: .zoneinfo(directory: "/usr/share/zoneinfo"))
        #expect(fromFile.posixRule == "CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(fromFile == (try builtIn("Europe/Berlin")))
        #expect(fromFile.offset(at: utc("2026-03-29T01:00:00Z")) == 7200)
    }
}

@Suite("TZif files")
struct TimeZoneFileTests {
    /// A fresh directory for crafted zone files.
    private func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/touchtone-tzif-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path + "/Test", withIntermediateDirectories: true)
        return path
    }

    private func tzif(version: UInt8 = UInt8(ascii: "2"), footer: String) -> Data {
        var bytes = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 39)
        bytes += Array("\n\(footer)\n".utf8)
        return Data(bytes)
    }

    private func load(_ data: Data) throws -> ZoneError? {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try data.write(to: URL(fileURLWithPath: directory + "/Test/Zone"))
        return zoneError { try Zone("Test/Zone", source: .zoneinfo(directory: directory)) }
    }

    @Test func footerRuleIsRead() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try tzif(footer: "EST5EDT,M3.2.0,M11.1.0").write(to: URL(fileURLWithPath: directory + "/Test/Zone"))
        let zone = try Zone("Test/Zone", source: .zoneinfo(directory: directory))
        #expect(zone.posixRule == "EST5EDT,M3.2.0,M11.1.0")
        #expect(zone.offset(at: utc("2026-07-01T00:00:00Z")) == -4 * 3600)
    }

    @Test func badFilesAreRefusedWithAReason() throws {
        #expect(
            try load(Data(repeating: 0, count: Zone.maximumZoneFileSize + 1))?.reason
                == .fileTooLarge(Zone.maximumZoneFileSize + 1))
        #expect(try load(Data("not a zone file at all, just some text here!!!\nUTC0\n".utf8))?.reason == .notTZif)
        guard case .noRuleInFile = try load(tzif(version: 0, footer: "UTC0"))?.reason else {
            Issue.record("version 1 file must be refused")
            return
        }
        guard case .noRuleInFile = try load(tzif(footer: ""))?.reason else {
            Issue.record("empty footer must be refused")
            return
        }
        guard case .noRuleInFile = try load(tzif(footer: "CET\u{7}-1"))?.reason else {
            Issue.record("control characters must be refused")
            return
        }
        guard case .invalidRule = try load(tzif(footer: "garbage"))?.reason else {
            Issue.record("malformed footer rule must be refused")
            return
        }
    }

    @Test func directoriesAndMissingFilesAreUnknownZones() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(zoneError { try Zone("Test", source: .zoneinfo(directory: directory)) }?.reason == .unknownZone)
        #expect(zoneError { try Zone("Test/Missing", source: .zoneinfo(directory: directory)) }?.reason == .unknownZone)
        // A link to a device (endless data) is not read.
        try FileManager.default.createSymbolicLink(atPath: directory + "/Test/Device", withDestinationPath: "/dev/zero")
        #expect(zoneError { try Zone("Test/Device", source: .zoneinfo(directory: directory)) }?.reason == .unknownZone)
    }
}

@Suite("Calendar days, times of day, weekdays")
struct TimeCalendarValueTests {
    @Test(
        arguments: [
            ("1970-01-01", Weekday.thursday), ("2000-02-29", .tuesday), ("2026-12-24", .thursday),
            ("2027-01-01", .friday), ("1600-01-01", .saturday), ("9999-12-31", .friday), ("2026-06-15", .monday),
        ] as [(CalendarDay, Weekday)])
    func weekdayOfKnownDates(day: CalendarDay, weekday: Weekday) {
        #expect(day.weekday == weekday)
    }

    @Test func localTimeFields() throws {
        let local = try builtIn("Europe/Berlin").localTime(at: utc("2026-12-24T15:30:45Z"))
        #expect(local.year == 2026 && local.month == 12 && local.day == 24)
        #expect(local.hour == 16 && local.minute == 30 && local.second == 45)
        #expect(local.weekday == .thursday)
        #expect(local.utcOffset == 3600)
        #expect(local.timeOfDay == "16:30")
        #expect(local.calendarDay == "2026-12-24")
    }

    @Test func calendarDaysParseAndCompare() throws {
        let day = try CalendarDay(parsing: "2028-02-29")
        #expect((day.year, day.month, day.day) == (2028, 2, 29))
        #expect(day.description == "2028-02-29")
        #expect(CalendarDay("2026-12-24") < "2026-12-31")
        #expect(CalendarDay("2026-12-31").adding(days: 1) == "2027-01-01")
        #expect(try CalendarDay(year: 12, month: 3, day: 4).description == "0012-03-04")
    }

    @Test(arguments: [
        "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-00", "0000-01-01", "2026-1-01",
        "26-12-24", "2026/12/24", "2026-12-24T", "", "+026-12-24", "2026-12-2x", "２０２６-12-24", "2026-12-24 ",
    ])
    func invalidDaysAreRejected(text: String) {
        #expect(throws: TimeValueError.self) { try CalendarDay(parsing: text) }
    }

    @Test func dayErrorsNameTheInput() {
        do {
            _ = try CalendarDay(parsing: "2026-02-29")
            Issue.record("2026-02-29 does not exist")
        } catch let error as TimeValueError {
            #expect(error.description == "invalid value \"2026-02-29\": day must be 1-28 in that month")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: TimeValueError.self) { try CalendarDay(year: 2026, month: 2, day: 29) }
    }

    @Test func timesOfDayParse() throws {
        #expect(try TimeOfDay(parsing: "08:00") == TimeOfDay(hour: 8))
        #expect(try TimeOfDay(parsing: "8:05").minutesSinceMidnight == 485)
        #expect(try TimeOfDay(parsing: "24:00").minutesSinceMidnight == 1440)
        #expect(TimeOfDay("07:59") < "08:00")
        #expect(TimeOfDay("9:30").description == "09:30")
    }

    @Test(arguments: ["24:01", "25:00", "08:60", "0800", "08:0", "-1:00", "", "08:00:00", "ab:cd", "008:00", " 8:00"])
    func invalidTimesAreRejected(text: String) {
        #expect(throws: TimeValueError.self) { try TimeOfDay(parsing: text) }
    }

    @Test func weekdayRanges() {
        #expect(Weekday.workdays.contains(.friday))
        #expect(!Weekday.workdays.contains(.saturday))
        #expect((Weekday.tuesday ... .thursday).contains(.wednesday))
        #expect(Weekday.sunday.adding(days: 1) == .monday)
        #expect(Weekday.monday.adding(days: -1) == .sunday)
    }
}

@Suite("Holidays")
struct TimeHolidayTests {
    @Test(
        arguments: [
            (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"),
            (2038, "2038-04-25"), (2285, "2285-03-22"), (1818, "1818-03-22"), (1943, "1943-04-25"),
        ] as [(Int, CalendarDay)])
    func easterSunday(year: Int, expected: CalendarDay) {
        #expect(HolidayCalendar.easterSunday(year: year) == expected)
    }

    @Test func germanNationwideHolidays2026() {
        let expected: [(CalendarDay, String)] = [
            ("2026-01-01", "Neujahr"), ("2026-04-03", "Karfreitag"), ("2026-04-06", "Ostermontag"),
            ("2026-05-01", "Tag der Arbeit"), ("2026-05-14", "Christi Himmelfahrt"),
            ("2026-05-25", "Pfingstmontag"), ("2026-10-03", "Tag der Deutschen Einheit"),
            ("2026-12-25", "1. Weihnachtstag"), ("2026-12-26", "2. Weihnachtstag"),
        ]
        for (day, name) in expected { #expect(HolidayCalendar.germany.holiday(on: day) == name, "\(day)") }
        var count = 0
        var day: CalendarDay = "2026-01-01"
        while day.year == 2026 {
            if HolidayCalendar.germany.holiday(on: day) != nil { count += 1 }
            day = day.adding(days: 1)
        }
        #expect(count == 9)
    }

    @Test func germanNationwideHolidays2027() {
        let expected: [(CalendarDay, String)] = [
            ("2027-01-01", "Neujahr"), ("2027-03-26", "Karfreitag"), ("2027-03-29", "Ostermontag"),
            ("2027-05-01", "Tag der Arbeit"), ("2027-05-06", "Christi Himmelfahrt"),
            ("2027-05-17", "Pfingstmontag"), ("2027-10-03", "Tag der Deutschen Einheit"),
            ("2027-12-25", "1. Weihnachtstag"), ("2027-12-26", "2. Weihnachtstag"),
        ]
        for (day, name) in expected { #expect(HolidayCalendar.germany.holiday(on: day) == name, "\(day)") }
        for day: CalendarDay in ["2027-03-28", "2027-12-24", "2027-11-01", "2027-01-06", "2027-03-27"] {
            #expect(HolidayCalendar.germany.holiday(on: day) == nil, "\(day)")
        }
    }

    @Test func regionalHolidays() {
        let bavaria = HolidayCalendar.germany(state: .bavaria)
        #expect(bavaria.holiday(on: "2026-01-06") == "Heilige Drei Könige")
        #expect(bavaria.holiday(on: "2026-06-04") == "Fronleichnam")
        #expect(bavaria.holiday(on: "2026-11-01") == "Allerheiligen")
        #expect(bavaria.holiday(on: "2026-10-31") == nil)
        #expect(bavaria.holiday(on: "2026-04-03") == "Karfreitag")
        let saxony = HolidayCalendar.germany(state: .saxony)
        #expect(saxony.holiday(on: "2026-11-18") == "Buß- und Bettag")
        #expect(saxony.holiday(on: "2027-11-17") == "Buß- und Bettag")
        #expect(saxony.holiday(on: "2026-11-25") == nil)
        #expect(saxony.holiday(on: "2026-10-31") == "Reformationstag")
        #expect(HolidayCalendar.germany(state: .berlin).holiday(on: "2026-03-08") == "Internationaler Frauentag")
        #expect(HolidayCalendar.germany(state: .berlin).holiday(on: "2026-10-31") == nil)
        #expect(HolidayCalendar.germany(state: .brandenburg).holiday(on: "2026-04-05") == "Ostersonntag")
        #expect(HolidayCalendar.germany(state: .thuringia).holiday(on: "2026-09-20") == "Weltkindertag")
        #expect(HolidayCalendar.germany(state: .saxonyAnhalt).holiday(on: "2027-01-06") == "Heilige Drei Könige")
    }

    @Test func fixedAndCombinedCalendars() {
        let company = HolidayCalendar(name: "company", fixed: ["2026-12-24": "Heiligabend", "2026-05-01": "Firmenfeier"])
        #expect(company.holiday(on: "2026-12-24") == "Heiligabend")
        #expect(company.holiday(on: "2026-12-25") == nil)
        let combined = HolidayCalendar.germany + company
        #expect(combined.holiday(on: "2026-12-24") == "Heiligabend")
        #expect(combined.holiday(on: "2026-12-25") == "1. Weihnachtstag")
        // Fixed dates are checked before rules, so the company name wins here.
        #expect(combined.holiday(on: "2026-05-01") == "Firmenfeier")
        let custom = HolidayCalendar(
            name: "Austria (part)",
            rules: [
                .annual(month: 12, day: 8, "Mariä Empfängnis"), .easter(offset: -46, "Aschermittwoch"),
                .once("2026-06-01", "Betriebsausflug"),
            ])
        #expect(custom.holiday(on: "2026-12-08") == "Mariä Empfängnis")
        #expect(custom.holiday(on: "2026-02-18") == "Aschermittwoch")
        #expect(custom.holiday(on: "2026-06-01") == "Betriebsausflug")
        #expect(custom.holiday(on: "2027-06-01") == nil)
    }
}

@Suite("Opening hours")
struct TimeOpeningHoursTests {
    private static let berlin = try! Zone("Europe/Berlin", source: .builtIn)

    private let office = OpeningHours(zone: TimeOpeningHoursTests.berlin) {
        Open(.monday ... .friday, from: "08:00", to: "18:00")
        Open(.saturday, from: "10:00", to: "13:00")
        Closed(on: HolidayCalendar.germany)
        Closed(on: "2026-12-24", reason: "Heiligabend")
        Open(on: "2026-12-31", from: "09:00", to: "12:00")
    }

    @Test func edgesOfTheDayInSummer() {
        // Monday 2026-06-15, Berlin is UTC+2.
        #expect(office.status(at: utc("2026-06-15T05:59:59Z")) == .closed)  // 07:59:59
        #expect(office.status(at: utc("2026-06-15T06:00:00Z")) == .open)  // 08:00
        #expect(office.isOpen(at: utc("2026-06-15T15:59:00Z")))  // 17:59
        #expect(office.isOpen(at: utc("2026-06-15T15:59:59Z")))  // 17:59:59
        #expect(office.status(at: utc("2026-06-15T16:00:00Z")) == .closed)  // 18:00
    }

    @Test func edgesOfTheDayInWinter() {
        // Monday 2026-12-07, Berlin is UTC+1.
        #expect(!office.isOpen(at: utc("2026-12-07T06:59:59Z")))
        #expect(office.isOpen(at: utc("2026-12-07T07:00:00Z")))
        #expect(office.isOpen(at: utc("2026-12-07T16:59:59Z")))
        #expect(!office.isOpen(at: utc("2026-12-07T17:00:00Z")))
    }

    @Test func weekendHours() {
        #expect(office.isOpen(at: utc("2026-06-20T08:00:00Z")))  // Saturday 10:00
        #expect(!office.isOpen(at: utc("2026-06-20T11:00:00Z")))  // Saturday 13:00
        #expect(office.status(at: utc("2026-06-21T10:00:00Z")) == .closed)  // Sunday noon
    }

    @Test func holidaysAreReportedByName() {
        #expect(office.status(at: utc("2026-04-03T10:00:00Z")) == .holiday("Karfreitag"))
        #expect(office.status(at: utc("2026-04-06T10:00:00Z")) == .holiday("Ostermontag"))
        #expect(office.status(at: utc("2027-03-26T10:00:00Z")) == .holiday("Karfreitag"))
        #expect(office.status(at: utc("2027-03-29T10:00:00Z")) == .holiday("Ostermontag"))
        // The holiday starts at local midnight, not UTC midnight.
        #expect(office.status(at: utc("2026-04-02T22:00:00Z")) == .holiday("Karfreitag"))
        #expect(office.status(at: utc("2026-04-02T21:59:59Z")) == .closed)
        #expect(!office.isOpen(at: utc("2026-04-03T10:00:00Z")))
        #expect(office.status(at: utc("2026-04-07T10:00:00Z")) == .open)
    }

    @Test func specialDaysOverrideWeekdayHours() {
        #expect(office.status(at: utc("2026-12-24T10:00:00Z")) == .holiday("Heiligabend"))
        // Thursday 2026-12-31: 09:00-12:00 instead of 08:00-18:00.
        #expect(office.status(at: utc("2026-12-31T07:30:00Z")) == .closed)
        #expect(office.status(at: utc("2026-12-31T08:00:00Z")) == .open)
        #expect(office.status(at: utc("2026-12-31T10:59:59Z")) == .open)
        #expect(office.status(at: utc("2026-12-31T11:00:00Z")) == .closed)
        // Only that date: the same weekday a week earlier keeps normal hours.
        #expect(office.status(at: utc("2026-12-17T16:00:00Z")) == .open)
    }

    @Test func specialOpeningBeatsHolidayAndDefaultReason() {
        let hours = OpeningHours(zone: TimeOpeningHoursTests.berlin) {
            Open(Weekday.workdays, from: "08:00", to: "18:00")
            Closed(on: HolidayCalendar.germany)
            Open(on: "2026-05-01", from: "10:00", to: "14:00")
            Closed(on: "2026-12-23")
        }
        #expect(hours.status(at: utc("2026-05-01T09:00:00Z")) == .open)
        #expect(hours.status(at: utc("2026-05-01T07:00:00Z")) == .closed)
        #expect(hours.status(at: utc("2026-12-23T10:00:00Z")) == .holiday("special closing day"))
    }

    @Test func severalIntervalsPerDayAndMerging() {
        let hours = OpeningHours(zone: .utc) {
            Open(.monday ... .friday, from: "08:00", to: "12:00")
            Open(.monday ... .friday, from: "13:00", to: "17:00")
            Open([.wednesday], from: "16:00", to: "20:00")  // overlaps, merged to 13:00-20:00
            Open(.sunday, from: "20:00", to: "24:00")
        }
        #expect(hours.isOpen(at: utc("2026-06-15T11:59:59Z")))
        #expect(!hours.isOpen(at: utc("2026-06-15T12:30:00Z")))
        #expect(hours.isOpen(at: utc("2026-06-15T13:00:00Z")))
        #expect(!hours.isOpen(at: utc("2026-06-15T18:00:00Z")))  // Monday
        #expect(hours.isOpen(at: utc("2026-06-17T18:00:00Z")))  // Wednesday
        #expect(hours.isOpen(at: utc("2026-06-21T23:59:59Z")))  // Sunday until midnight
        #expect(!hours.isOpen(at: utc("2026-06-22T00:00:00Z")))
        #expect(
            hours.description
                == "Mon-Tue 08:00-12:00 13:00-17:00, Wed 08:00-12:00 13:00-20:00, Thu-Fri 08:00-12:00 13:00-17:00, Sun 20:00-24:00 (UTC)")
    }

    @Test func hoursFollowLocalTimeAcrossTheDSTSwitch() {
        let hours = OpeningHours(zone: TimeOpeningHoursTests.berlin) {
            Open(.sunday, from: "01:00", to: "02:30")
        }
        #expect(hours.isOpen(at: utc("2026-03-29T00:59:59Z")))  // 01:59:59 CET
        #expect(!hours.isOpen(at: utc("2026-03-29T01:00:00Z")))  // 03:00 CEST
    }

    @Test func describesItself() {
        #expect(
            office.description
                == "Mon-Fri 08:00-18:00, Sat 10:00-13:00; closed on German public holidays; 2026-12-24 closed; 2026-12-31 09:00-12:00 (Europe/Berlin)"
        )
        #expect(OpeningHours(zone: .utc, rules: []).description == "closed (UTC)")
    }

    @Test func literalZoneNameAndConditionalRules() {
        let weekendToo = true
        let hours = OpeningHours(zone: "Europe/Berlin") {
            Open(Weekday.workdays, from: "09:00", to: "17:00")
            if weekendToo {
                Open(Weekday.weekend, from: "10:00", to: "12:00")
            }
        }
        #expect(hours.zone.identifier == "Europe/Berlin")
        #expect(hours.isOpen(at: utc("2026-06-21T08:30:00Z")))  // Sunday 10:30
        #expect(hours.description == "Mon-Fri 09:00-17:00, Sat-Sun 10:00-12:00 (Europe/Berlin)")
    }

    @Test func statusDescriptions() {
        #expect(OpeningStatus.open.description == "open")
        #expect(OpeningStatus.closed.description == "closed")
        #expect(OpeningStatus.holiday("Neujahr").description == "closed (Neujahr)")
        #expect(OpeningStatus.open.isOpen && !OpeningStatus.holiday("x").isOpen)
    }
}

@Suite struct DurationUnitTests {
    @Test func wholeMillisecondsRoundTowardZeroAndSaturate() {
        #expect(Duration.milliseconds(1500).wholeMilliseconds == 1500)
        #expect(Duration.microseconds(1999).wholeMilliseconds == 1)
        #expect(Duration.microseconds(-1999).wholeMilliseconds == -1)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeMilliseconds == .min)
    }

    @Test func nanosecondsAreNeverNegativeAndSaturate() {
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
        #expect(Duration.seconds(-2).nanoseconds == 0)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
    }
}
