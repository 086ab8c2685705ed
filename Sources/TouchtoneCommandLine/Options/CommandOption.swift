/// One option of a command, declared once: its name, value, help, and where the value goes.
/// The parser, the environment variable and the `--help` text all come from this declaration
/// (see ``OptionTable``).
///
/// ```swift
/// struct Settings { var port = 3000; var verbose = false }
/// let options: [CommandOption<Settings>] = [
///     .value("port", .integer(0...65535, placeholder: "PORT"), at: \.port, help: "TCP port"),
///     .flag("verbose", at: \.verbose, help: "say more"),
/// ]
/// // --help:  --port PORT / TCP port (default 3000)
/// ```
public struct CommandOption<Options>: Sendable {
    /// The name without dashes: `session-ttl` for `--session-ttl`.
    public let name: String
    /// The value's name in `--help` (`DURATION`); `nil` for a flag that takes no value.
    public let placeholder: String?
    /// What the option does, one line, without its default (that is added from the options' defaults).
    public let help: String
    /// May be given more than once; its environment variable is then a comma-separated list.
    public let isRepeatable: Bool
    /// What `--help` puts in parentheses after ``help``, from the default options.
    let notes: @Sendable (_ defaults: Options) -> [String]
    /// Reads the values given (one, unless repeatable) into `options`; `source` is the flag or
    /// variable they came from, for the error.
    let store: @Sendable (_ options: inout Options, _ values: [String], _ source: String) throws(UsageError) -> Void

    /// `--name VALUE`, read with `type` into `keyPath`. `--help` shows the default from the
    /// options' defaults (`default 3000`), or `default: DEFAULTTEXT` where words say it better
    /// than the value (`0` threads: `one per core less one`); `note` follows it.
    public static func value<Value>(
        _ name: String, _ type: OptionValue<Value>, at keyPath: WritableKeyPath<Options, Value> & Sendable,
        help: String, note: String? = nil, defaultText: String? = nil
    ) -> Self {
        Self(
            name: name, placeholder: type.placeholder, help: help, isRepeatable: false,
            notes: { defaults in
                [defaultText.map { "default: " + $0 } ?? "default " + type.show(defaults[keyPath: keyPath])] + (note.map { [$0] } ?? [])
            },
            store: { options, values, source throws(UsageError) in
                options[keyPath: keyPath] = try read(values.last ?? "", with: type, from: source)
            })
    }

    /// `--name VALUE` for a setting that is `nil` unless given; `defaultText` says what `nil`
    /// means (`default: http://HOST:PORT`).
    public static func value<Value>(
        _ name: String, _ type: OptionValue<Value>, at keyPath: WritableKeyPath<Options, Value?> & Sendable,
        help: String, note: String? = nil, defaultText: String? = nil
    ) -> Self {
        Self(
            name: name, placeholder: type.placeholder, help: help, isRepeatable: false,
            notes: { _ in (defaultText.map { ["default: " + $0] } ?? []) + (note.map { [$0] } ?? []) },
            store: { options, values, source throws(UsageError) in
                options[keyPath: keyPath] = try read(values.last ?? "", with: type, from: source)
            })
    }

    /// `--name VALUE`, repeatable: every value given, in order, into the list at `keyPath`.
    public static func values<Value>(
        _ name: String, _ type: OptionValue<Value>, at keyPath: WritableKeyPath<Options, [Value]> & Sendable, help: String
    ) -> Self {
        Self(
            name: name, placeholder: type.placeholder, help: help, isRepeatable: true,
            notes: { _ in ["repeatable"] },
            store: { options, values, source throws(UsageError) in
                var list: [Value] = []
                for text in values { list.append(try read(text, with: type, from: source)) }
                options[keyPath: keyPath] = list
            })
    }

    /// A bare `--name` that sets `keyPath` to true.
    public static func flag(_ name: String, at keyPath: WritableKeyPath<Options, Bool> & Sendable, help: String) -> Self {
        Self(
            name: name, placeholder: nil, help: help, isRepeatable: false, notes: { _ in [] },
            store: { options, _, _ in options[keyPath: keyPath] = true })
    }

    /// The line `--help` shows under the option: the help, then its default and notes in parentheses.
    func helpLine(defaults: Options) -> String {
        let notes = notes(defaults)
        return notes.isEmpty ? help : "\(help) (\(notes.joined(separator: "; ")))"
    }
}

/// The value `text` spells, or the type's error naming `source`.
private func read<Value>(_ text: String, with type: OptionValue<Value>, from source: String) throws(UsageError) -> Value {
    guard let value = type.read(text) else { throw UsageError(type.problem(source, text)) }
    return value
}
