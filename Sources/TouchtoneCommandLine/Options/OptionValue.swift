/// The kind of value an option takes: how it is read from text, the one-line error when the
/// text is not one, how `--help` shows one (for defaults), and the placeholder in `--help`.
///
/// ```swift
/// let port: OptionValue<Int> = .integer(0...65535, placeholder: "PORT")
/// port.read("8080")                 // 8080
/// port.problem("--port", "abc")     // "--port must be a whole number from 0 to 65535, not 'abc'"
/// ```
public struct OptionValue<Value>: Sendable {
    /// The value's name in `--help`: `--port PORT`.
    public var placeholder: String
    /// The value `text` spells, or `nil` when it spells none.
    public var read: @Sendable (_ text: String) -> Value?
    /// The error for a `text` that ``read`` refused; `source` is the flag (`--port`) or the
    /// environment variable (`TOUCHTONE_PORT`) it came from.
    public var problem: @Sendable (_ source: String, _ text: String) -> String
    /// A value as `--help` shows it, for the default.
    public var show: @Sendable (Value) -> String

    /// A value type from its parts.
    public init(
        placeholder: String, read: @escaping @Sendable (_ text: String) -> Value?,
        problem: @escaping @Sendable (_ source: String, _ text: String) -> String,
        show: @escaping @Sendable (Value) -> String = { "\($0)" }
    ) {
        self.placeholder = placeholder
        self.read = read
        self.problem = problem
        self.show = show
    }

    /// A value type whose error is `SOURCE must be EXPECTATION, not 'TEXT'`.
    ///
    /// ```swift
    /// OptionValue<String>(placeholder: "NUMBER", mustBe: "an E.164 number") { E164Number.isValid($0) ? $0 : nil }
    /// ```
    public init(
        placeholder: String, mustBe expectation: String, show: @escaping @Sendable (Value) -> String = { "\($0)" },
        read: @escaping @Sendable (_ text: String) -> Value?
    ) {
        self.init(
            placeholder: placeholder, read: read,
            problem: { source, text in "\(source) must be \(expectation), not \(UsageError.quoted(text))" }, show: show)
    }
}

extension OptionValue where Value == Int {
    /// A whole number in `range` (at most ten digits, so it cannot overflow).
    public static func integer(_ range: ClosedRange<Int>, placeholder: String = "N") -> Self {
        Self(placeholder: placeholder, mustBe: "a whole number from \(range.lowerBound) to \(range.upperBound)") { text in
            guard text.utf8.count <= 10, let n = Int(text), range.contains(n) else { return nil }
            return n
        }
    }
}

extension OptionValue where Value == Duration {
    /// A duration such as `500ms`, `30s`, `15m` or `2h` (see ``DurationText``), at least `minimum`.
    public static func duration(atLeast minimum: Duration = .milliseconds(1)) -> Self {
        Self(placeholder: "DURATION", mustBe: "a duration such as 500ms, 30s, 15m or 2h", show: DurationText.format) { text in
            DurationText.parse(text).flatMap { $0 >= minimum ? $0 : nil }
        }
    }
}

extension OptionValue where Value == String {
    /// A path that is not empty; the error says `SOURCE must name WHAT` (`a folder`, `a PEM file`).
    public static func path(_ placeholder: String, naming what: String) -> Self {
        Self(placeholder: placeholder, read: { $0.isEmpty ? nil : $0 }, problem: { source, _ in "\(source) must name \(what)" })
    }

    /// The folder of the prompts (`--audio DIR`).
    static let folder = path("DIR", naming: "a folder")
}

extension OptionValue where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of the cases, by raw value: placeholder `a|b|c`, error `SOURCE must be a, b or c, not 'x'`.
    public static var choice: Self {
        let names = Value.allCases.map(\.rawValue)
        return Self(placeholder: names.joined(separator: "|"), mustBe: alternatives(names), show: \.rawValue) { Value(rawValue: $0) }
    }
}

/// `a`, `a or b`, `a, b or c`: choices as a sentence says them.
func alternatives(_ names: [String]) -> String {
    guard let last = names.last else { return "" }
    return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
}
