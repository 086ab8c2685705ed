/// A command line that cannot be used: one line saying why. Commands exit with status 2.
public struct UsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `--port must be a whole number from 0 to 65535, not 'abc'`.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A small `--name value` / `--name=value` option scanner, shared by the subcommands.
public struct CommandLineScanner: Sendable {
    /// One option a command knows.
    public struct Option: Sendable, Hashable {
        /// The name without dashes: `port` for `--port`.
        public var name: String
        /// `--name VALUE` (true) or a bare `--name` flag (false).
        public var takesValue: Bool
        /// May be given more than once (the values are collected in order).
        public var repeatable: Bool

        /// An option called `--name`.
        public init(_ name: String, takesValue: Bool = true, repeatable: Bool = false) {
            self.name = name
            self.takesValue = takesValue
            self.repeatable = repeatable
        }
    }

    /// What was given: values by option name (in order), flags without values, and positional arguments.
    public struct Parsed: Sendable, Hashable {
        /// The values of options that take one, by name, in order given.
        public var values: [String: [String]] = [:]
        /// The names of the flags given.
        public var flags: Set<String> = []
        /// Arguments that are not options (and everything after `--`).
        public var positional: [String] = []

        /// The last value given for `name`.
        public func value(_ name: String) -> String? { values[name]?.last }
    }

    /// The options the command knows; anything else is an error.
    public var options: [Option]

    /// A scanner for `options` (`-h` always means `--help`).
    public init(options: [Option]) {
        self.options = options
    }

    /// Scans `arguments` (without the program and command names).
    public func scan(_ arguments: [String]) throws(UsageError) -> Parsed {
        var parsed = Parsed()
        var i = 0
        var onlyPositional = false
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if onlyPositional || !argument.hasPrefix("-") || argument == "-" {
                parsed.positional.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositional = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if argument == "-h" {
                name = "--help"
            } else if let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                inlineValue = String(argument[argument.index(after: eq)...])
            }
            guard name.hasPrefix("--"), let option = options.first(where: { "--" + $0.name == name }) else {
                throw UsageError("unknown option \(Self.shown(name))")
            }
            if option.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard i < arguments.count else { throw UsageError("\(name) needs a value") }
                    value = arguments[i]
                    i += 1
                }
                if !option.repeatable && parsed.values[option.name] != nil {
                    throw UsageError("\(name) given more than once")
                }
                parsed.values[option.name, default: []].append(value)
            } else {
                if inlineValue != nil { throw UsageError("\(name) takes no value") }
                parsed.flags.insert(option.name)
            }
        }
        return parsed
    }

    /// An argument as shown in an error: bounded and without control characters.
    static func shown(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(60).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return "'\(cleaned)'"
    }
}

/// Reads durations such as `500ms`, `90s`, `15m`, `2h` (a bare number means seconds).
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
        guard !number.isEmpty, number.utf8.count <= 9, number.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(number)
        else { return nil }
        return .milliseconds(value * factor)
    }

    /// The shortest spelling ``parse(_:)`` reads back (`2h`, `90s`, `250ms`).
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms % 3_600_000 == 0 && ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 && ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1_000 == 0 { return "\(ms / 1_000)s" }
        return "\(ms)ms"
    }
}
