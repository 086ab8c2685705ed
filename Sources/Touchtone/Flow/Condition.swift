import FoundationEssentials

/// What a branch may look at: the call, what it collected, and the time.
public struct CallContext: Sendable {
    /// The call's id, as sipgate gave it.
    public let callId: CallID
    /// The numbers, users, direction and diversion of the call, from its `newCall`.
    public let call: CallData
    /// What the call collected or look-ups set so far, sensitive values included.
    public let variables: Variables
    /// The time of the event being handled (from the engine's clock).
    public let now: Date

    /// A context for a call at time `now`, e.g. to test a condition or run a look-up's work in a test.
    public init(callId: CallID, call: CallData, variables: Variables = Variables(), now: Date) {
        self.callId = callId
        self.call = call
        self.variables = variables
        self.now = now
    }

    /// The value of a collected or looked-up variable.
    public subscript(variable name: String) -> String? { variables[name] }
}

/// A named test on the call, for ``When`` branches.
///
/// The label shows in diagrams and coverage reports.
///
/// ```swift
/// When(.from(blockedNumbers), .reject(.busy))
/// When(.closed(openingHours), .go(.afterHours))
/// When(.custom("VIP caller") { $0[variable: "tier"] == "gold" }, .go(.vip))
/// ```
public struct Condition: Sendable, CustomStringConvertible {
    /// What the condition tests, in a few words: diagrams, coverage reports and edge labels (`when ...`) show it.
    public let label: String
    /// Whether the condition looks at the clock (a time branch) or only at the call.
    public let kind: Kind
    /// Returns whether the condition holds for a call.
    public let test: @Sendable (CallContext) -> Bool

    /// What a condition looks at.
    public enum Kind: Sendable, Hashable {
        /// It looks only at the call: its numbers, users, direction and variables.
        case callData
        /// It looks at the clock (opening hours, holidays); diagrams draw its branches dashed.
        case time
    }

    /// A condition labelled `label` that holds when `test` returns true; say `kind: .time` when it looks at ``CallContext/now``.
    public init(_ label: String, kind: Kind = .callData, _ test: @escaping @Sendable (CallContext) -> Bool) {
        self.label = label
        self.kind = kind
        self.test = test
    }

    /// The condition's label.
    public var description: String { label }

    /// Any test you write, with a label for diagrams.
    public static func custom(_ label: String, _ test: @escaping @Sendable (CallContext) -> Bool) -> Condition {
        Condition(label, test)
    }

    /// The caller's number is one of `numbers`.
    public static func from(_ numbers: Set<String>) -> Condition {
        Condition("from \(numbers.sorted().prefix(3).joined(separator: ", "))\(numbers.count > 3 ? ", ..." : "")") {
            numbers.contains($0.call.from)
        }
    }

    /// The caller's number starts with one of `prefixes`.
    public static func fromPrefix(_ prefixes: String...) -> Condition {
        Condition("from \(prefixes.map { $0 + "*" }.joined(separator: ", "))") { context in
            prefixes.contains { context.call.from.hasPrefix($0) }
        }
    }

    /// The caller hides the number.
    public static let anonymousCaller = Condition("anonymous caller") { $0.call.from == "anonymous" }

    /// The called number is one of `numbers`.
    public static func to(_ numbers: String...) -> Condition {
        Condition("to \(numbers.joined(separator: ", "))") { numbers.contains($0.call.to) }
    }

    /// The called number starts with one of `prefixes`.
    public static func toPrefix(_ prefixes: String...) -> Condition {
        Condition("to \(prefixes.map { $0 + "*" }.joined(separator: ", "))") { context in
            prefixes.contains { context.call.to.hasPrefix($0) }
        }
    }

    /// The call's direction.
    public static func direction(_ direction: Direction) -> Condition {
        Condition("direction \(direction.rawValue)") { $0.call.direction == direction }
    }

    /// One of the call's users (`user[]`) is `name`.
    public static func user(_ name: String) -> Condition {
        Condition("user \(name)") { $0.call.users.contains(name) }
    }

    /// The call was diverted before it reached sipgate.io.
    public static let diverted = Condition("diverted") { $0.call.diversion != nil }

    /// The call was diverted from `number`.
    public static func diverted(from number: String) -> Condition {
        Condition("diverted from \(number)") { $0.call.diversion == number }
    }

    /// A variable has a value.
    public static func variable(_ name: String, equals value: String) -> Condition {
        Condition("\(name) = \(value)") { $0.variables[name] == value }
    }

    /// A variable is set.
    public static func hasVariable(_ name: String) -> Condition {
        Condition("\(name) set") { $0.variables[name] != nil }
    }

    /// Both hold.
    public static func && (lhs: Condition, rhs: Condition) -> Condition {
        Condition("\(lhs.label) and \(rhs.label)", kind: lhs.kind == .time || rhs.kind == .time ? .time : .callData) {
            lhs.test($0) && rhs.test($0)
        }
    }

    /// Either holds.
    public static func || (lhs: Condition, rhs: Condition) -> Condition {
        Condition("\(lhs.label) or \(rhs.label)", kind: lhs.kind == .time || rhs.kind == .time ? .time : .callData) {
            lhs.test($0) || rhs.test($0)
        }
    }

    /// It does not hold.
    public static prefix func ! (condition: Condition) -> Condition {
        Condition("not \(condition.label)", kind: condition.kind) { !condition.test($0) }
    }
}

extension Condition {
    /// Within the opening hours (in their time zone) at the time of the event.
    public static func open(_ hours: OpeningHours) -> Condition {
        Condition("open (\(hours))", kind: .time) { hours.isOpen(at: $0.now) }
    }

    /// Outside the opening hours, for any reason (after hours, holiday, special closing day).
    public static func closed(_ hours: OpeningHours) -> Condition {
        Condition("closed", kind: .time) { !hours.isOpen(at: $0.now) }
    }

    /// Closed all day for a holiday or special closing day of the opening hours.
    public static func holiday(_ hours: OpeningHours) -> Condition {
        Condition("holiday", kind: .time) { context in
            if case .holiday = hours.status(at: context.now) { return true }
            return false
        }
    }

    /// The local day (in `zone`) is a holiday of `calendar`.
    public static func holiday(in calendar: HolidayCalendar, zone: Zone) -> Condition {
        Condition("holiday (\(calendar))", kind: .time) { context in
            calendar.holiday(on: zone.localTime(at: context.now).calendarDay) != nil
        }
    }
}
