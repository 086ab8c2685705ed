/// A parsed POSIX TZ rule ("std offset [dst [offset] [,start[/time],end[/time]]]"), as in
/// POSIX.1-2017 section 8.3 plus the RFC 8536 extension (transition hours -167...167).
struct PosixTimeZoneRule: Sendable, Hashable {
    /// When a transition happens, as a day of the year.
    enum TransitionDay: Sendable, Hashable {
        /// "Jn": 1...365, February 29 is never counted.
        case julianIgnoringLeapDay(Int)
        /// "n": 0...365, February 29 is counted in leap years.
        case zeroBasedDayOfYear(Int)
        /// "Mm.w.d": weekday d (0 = Sunday) of week w (1...5, 5 = last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// When a change between standard and daylight saving time happens: a day, and a time
    /// on it in local seconds after midnight (of the time in effect before the change).
    struct Change: Sendable, Hashable {
        var day: TransitionDay
        var time = 7200

        /// The instant of the change in `year`, in seconds since 1970 (UTC), where the time
        /// before it is `offset` seconds east of UTC.
        func utcSeconds(in year: Int, offset: Int) -> Int {
            PosixTimeZoneRule.dayNumber(day, year: year) * secondsPerDay + time - offset
        }
    }

    struct DaylightSaving: Sendable, Hashable {
        var name: String
        /// Seconds east of UTC while in effect.
        var offset: Int
        var start: Change
        var end: Change
    }

    var standardName: String
    /// Seconds east of UTC (POSIX writes offsets west-positive; this is already negated).
    var standardOffset: Int
    var daylightSaving: DaylightSaving?

    static let utc = PosixTimeZoneRule(standardName: "UTC", standardOffset: 0, daylightSaving: nil)

    // MARK: - Evaluation

    /// Slow path for instants outside ``TransitionTable``'s range.
    func offset(atUTCSeconds seconds: Int) -> Int {
        guard let dst = daylightSaving else { return standardOffset }
        return isInDaylightSaving(dst, seconds) ? dst.offset : standardOffset
    }

    func isDaylightSavingTime(atUTCSeconds seconds: Int) -> Bool {
        guard let dst = daylightSaving else { return false }
        return isInDaylightSaving(dst, seconds)
    }

    /// The DST transitions of years whose instants fall in `years`, sorted, for
    /// ``TransitionTable``. Same tie rule as `isInDaylightSaving`.
    func transitions(years: ClosedRange<Int>) -> [Transition] {
        guard let dst = daylightSaving else { return [] }
        var result: [Transition] = []
        result.reserveCapacity(years.count * 2)
        for year in (years.lowerBound - 2)...(years.upperBound + 2) {
            let end = dst.end.utcSeconds(in: year, offset: dst.offset)
            let start = dst.start.utcSeconds(in: year, offset: standardOffset)
            result.append(Transition(utcSeconds: end, offset: standardOffset, isDaylightSaving: false))
            result.append(Transition(utcSeconds: start, offset: dst.offset, isDaylightSaving: true))
        }
        // Stable sort keeps generation order (year, then end before start) among equal instants.
        return result.enumerated().sorted {
            ($0.element.utcSeconds, $0.offset) < ($1.element.utcSeconds, $1.offset)
        }.map(\.element)
    }

    struct Transition: Sendable, Hashable {
        var utcSeconds: Int
        var offset: Int
        var isDaylightSaving: Bool
    }

    /// Finds the latest transition at or before `seconds` among the years around it.
    /// Transition times may lie up to a week outside their year (hours up to 167), so two
    /// years back and one ahead always contain it. No allocation.
    private func isInDaylightSaving(_ dst: DaylightSaving, _ seconds: Int) -> Bool {
        let year = civilFromDays(floorDivide(seconds + standardOffset, secondsPerDay)).year
        var latest = Int.min
        var inDaylightSaving = false
        for candidateYear in (year - 2)...(year + 1) {
            // End before start: when both coincide (all-year DST such as "0/0,J365/25"),
            // the start wins, as in the reference tzcode.
            let end = dst.end.utcSeconds(in: candidateYear, offset: dst.offset)
            if end <= seconds && end >= latest {
                latest = end
                inDaylightSaving = false
            }
            let start = dst.start.utcSeconds(in: candidateYear, offset: standardOffset)
            if start <= seconds && start >= latest {
                latest = start
                inDaylightSaving = true
            }
        }
        return inDaylightSaving
    }

    /// Days since 1970-01-01 of the local date a transition rule names in `year`.
    static func dayNumber(_ rule: TransitionDay, year: Int) -> Int {
        switch rule {
        case .julianIgnoringLeapDay(let n):
            let januaryFirst = daysFromCivil(year: year, month: 1, day: 1)
            return januaryFirst + n - 1 + (isLeapYear(year) && n >= 60 ? 1 : 0)
        case .zeroBasedDayOfYear(let n):
            return daysFromCivil(year: year, month: 1, day: 1) + n
        case .monthWeekDay(let month, let week, let weekday):
            let first = daysFromCivil(year: year, month: month, day: 1)
            var day = first + floorModulo(weekday - sundayBasedWeekday(days: first), 7) + (week - 1) * 7
            if day - first >= daysInMonth(month, year: year) { day -= 7 }
            return day
        }
    }

}

// MARK: - Parsing

extension PosixTimeZoneRule {
    init(parsing text: String) throws(PosixRuleProblem) {
        guard !text.isEmpty else { throw PosixRuleProblem("the rule is empty") }
        guard text.utf8.count <= 256 else { throw PosixRuleProblem("the rule is longer than 256 characters") }
        var parser = Parser(Array(text.utf8))
        standardName = try parser.name(role: "standard time")
        standardOffset = -(try parser.offset(role: "standard time"))
        guard !parser.isAtEnd else {
            daylightSaving = nil
            return
        }
        let dstName = try parser.name(role: "daylight saving time")
        var dstOffset = standardOffset + 3600
        if let next = parser.peek, next != UInt8(ascii: ",") {
            dstOffset = -(try parser.offset(role: "daylight saving time"))
        }
        var start = Change(day: .monthWeekDay(month: 3, week: 2, weekday: 0))
        var end = Change(day: .monthWeekDay(month: 11, week: 1, weekday: 0))
        if parser.isAtEnd {
            // POSIX leaves a missing rule to the implementation; tzcode uses the US rule.
        } else {
            try parser.expect(UInt8(ascii: ","), "',' before the start of daylight saving time")
            start = try parser.change(role: "start")
            try parser.expect(UInt8(ascii: ","), "',' before the end of daylight saving time")
            end = try parser.change(role: "end")
            guard parser.isAtEnd else {
                throw PosixRuleProblem("unexpected text after the end rule at position \(parser.position + 1)")
            }
        }
        daylightSaving = DaylightSaving(name: dstName, offset: dstOffset, start: start, end: end)
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { position >= bytes.count }
        var peek: UInt8? { isAtEnd ? nil : bytes[position] }
        mutating func advance() { position += 1 }

        mutating func expect(_ byte: UInt8, _ what: String) throws(PosixRuleProblem) {
            guard peek == byte else { throw PosixRuleProblem("expected \(what) at position \(position + 1)") }
            advance()
        }

        /// "std"/"dst": 3 or more letters, or "<...>" with letters, digits, '+' and '-'.
        mutating func name(role: String) throws(PosixRuleProblem) -> String {
            let begin = position
            if peek == UInt8(ascii: "<") {
                advance()
                let nameStart = position
                while let byte = peek,
                    isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+")
                        || byte == UInt8(ascii: "-")
                {
                    advance()
                }
                let nameEnd = position
                guard peek == UInt8(ascii: ">") else {
                    throw PosixRuleProblem("unterminated or invalid quoted \(role) name at position \(begin + 1)")
                }
                advance()
                guard nameEnd - nameStart >= 3 else {
                    throw PosixRuleProblem("\(role) name must have at least 3 characters")
                }
                return String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            }
            while let byte = peek, isLetter(byte) { advance() }
            guard position - begin >= 3 else {
                throw PosixRuleProblem("\(role) name must have at least 3 letters (position \(begin + 1))")
            }
            return String(decoding: bytes[begin..<position], as: UTF8.self)
        }

        /// "[+-]hh[:mm[:ss]]" with hh 0...24; returns seconds, positive meaning west of UTC.
        mutating func offset(role: String) throws(PosixRuleProblem) -> Int {
            guard let value = try signedClock(maximumHours: 24) else {
                throw PosixRuleProblem("missing or malformed \(role) offset at position \(position + 1)")
            }
            return value
        }

        /// `day[/time]`: a change, at 02:00 unless a time is given.
        mutating func change(role: String) throws(PosixRuleProblem) -> Change {
            var change = Change(day: try transitionDay(role: role))
            if peek == UInt8(ascii: "/") {
                advance()
                change.time = try transitionTime(role: role)
            }
            return change
        }

        /// "[+-]hhh[:mm[:ss]]" with |hhh| <= 167 (RFC 8536); seconds after local midnight.
        mutating func transitionTime(role: String) throws(PosixRuleProblem) -> Int {
            guard let value = try signedClock(maximumHours: 167) else {
                throw PosixRuleProblem("malformed \(role) time at position \(position + 1)")
            }
            return value
        }

        mutating func signedClock(maximumHours: Int) throws(PosixRuleProblem) -> Int? {
            var sign = 1
            if peek == UInt8(ascii: "+") {
                advance()
            } else if peek == UInt8(ascii: "-") {
                sign = -1
                advance()
            }
            guard let hours = number(maxDigits: 3) else { return nil }
            guard hours <= maximumHours else {
                throw PosixRuleProblem("hours must be at most \(maximumHours) at position \(position)")
            }
            var total = hours * 3600
            if peek == UInt8(ascii: ":") {
                advance()
                guard let minutes = number(maxDigits: 2), minutes <= 59 else {
                    throw PosixRuleProblem("minutes must be 00-59 at position \(position)")
                }
                total += minutes * 60
                if peek == UInt8(ascii: ":") {
                    advance()
                    guard let seconds = number(maxDigits: 2), seconds <= 59 else {
                        throw PosixRuleProblem("seconds must be 00-59 at position \(position)")
                    }
                    total += seconds
                }
            }
            return sign * total
        }

        mutating func transitionDay(role: String) throws(PosixRuleProblem) -> TransitionDay {
            let begin = position + 1
            if peek == UInt8(ascii: "J") {
                advance()
                guard let n = number(maxDigits: 3), (1...365).contains(n) else {
                    throw PosixRuleProblem("\(role) day Jn needs n in 1-365 at position \(begin)")
                }
                return .julianIgnoringLeapDay(n)
            }
            if peek == UInt8(ascii: "M") {
                advance()
                guard let month = number(maxDigits: 2), (1...12).contains(month) else {
                    throw PosixRuleProblem("\(role) rule Mm.w.d needs month 1-12 at position \(begin)")
                }
                try expect(UInt8(ascii: "."), "'.' in the \(role) rule")
                guard let week = number(maxDigits: 1), (1...5).contains(week) else {
                    throw PosixRuleProblem("\(role) rule Mm.w.d needs week 1-5 at position \(begin)")
                }
                try expect(UInt8(ascii: "."), "'.' in the \(role) rule")
                guard let weekday = number(maxDigits: 1), (0...6).contains(weekday) else {
                    throw PosixRuleProblem("\(role) rule Mm.w.d needs weekday 0-6 at position \(begin)")
                }
                return .monthWeekDay(month: month, week: week, weekday: weekday)
            }
            guard let n = number(maxDigits: 3), (0...365).contains(n) else {
                throw PosixRuleProblem("\(role) day must be Jn, n or Mm.w.d at position \(begin)")
            }
            return .zeroBasedDayOfYear(n)
        }

        /// 1...maxDigits decimal digits; more digits than allowed is a failure.
        mutating func number(maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while let byte = peek, isDigit(byte) {
                guard count < maxDigits else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                count += 1
                advance()
            }
            return count == 0 ? nil : value
        }

        private func isLetter(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}

/// A parse failure of a POSIX TZ rule; surfaced as ``ZoneError/Reason/invalidRule(_:)``.
struct PosixRuleProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Precomputed transitions for 1970...2199 so that the common lookup is a binary search
/// instead of calendar arithmetic; other instants use the rule directly.
struct TransitionTable: Sendable {
    static let years = 1970...2199
    let rule: PosixTimeZoneRule
    private let transitions: [PosixTimeZoneRule.Transition]
    private let lowerLimit: Int
    private let upperLimit: Int

    init(rule: PosixTimeZoneRule) {
        self.rule = rule
        transitions = rule.transitions(years: Self.years)
        lowerLimit = daysFromCivil(year: Self.years.lowerBound, month: 1, day: 1) * secondsPerDay
        upperLimit = daysFromCivil(year: Self.years.upperBound + 1, month: 1, day: 1) * secondsPerDay
    }

    /// Offset and DST flag in effect at `seconds`.
    func lookup(_ seconds: Int) -> (offset: Int, isDaylightSaving: Bool) {
        guard rule.daylightSaving != nil else { return (rule.standardOffset, false) }
        guard seconds >= lowerLimit, seconds < upperLimit else {
            return (rule.offset(atUTCSeconds: seconds), rule.isDaylightSavingTime(atUTCSeconds: seconds))
        }
        return transitions.withUnsafeBufferPointer { buffer in
            // Last transition at or before `seconds`; the table starts two years early,
            // so one always exists in range.
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low + high) / 2
                if buffer[middle].utcSeconds <= seconds { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { return (rule.standardOffset, false) }
            let transition = buffer[low - 1]
            return (transition.offset, transition.isDaylightSaving)
        }
    }
}
