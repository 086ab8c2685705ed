import TouchtoneServer

/// A command's arguments and options, each declared once; from them come the parser, the
/// environment lookup and the `--help` text.
///
/// Flags win over environment variables; a variable's name comes from the option's
/// (`--session-ttl` reads `TOUCHTONE_SESSION_TTL` with the prefix `TOUCHTONE_`), and a
/// repeatable option's variable is a comma-separated list. `-h` and `--help` are always known.
///
/// ```swift
/// struct Settings: Sendable { var port = 3000; var verbose = false }
/// let table = OptionTable(command: "touchtone demo", about: "Does the demo.", defaults: Settings(), options: [
///     .value("port", .integer(0...65535, placeholder: "PORT"), at: \.port, help: "TCP port"),
///     .flag("verbose", at: \.verbose, help: "say more"),
/// ], environmentPrefix: "DEMO_")
/// let parsed = try table.parse(["--verbose"], environment: ["DEMO_PORT": "8080"])
/// // parsed.options.port == 8080, parsed.options.verbose == true
/// print(table.help())
/// ```
public struct OptionTable<Options: Sendable>: Sendable {
    /// The command as typed: `touchtone serve`.
    public var command: String
    /// What the command does, a paragraph for `--help`.
    public var about: String
    /// The options before anything is given: also what `--help` shows as defaults.
    public var defaults: Options
    /// The positional arguments the command takes; more are an error.
    public var arguments: [CommandArgument]
    /// The options, in the order `--help` lists and the parser checks them.
    public var options: [CommandOption<Options>]
    /// The start of every option's environment variable (`TOUCHTONE_`); `nil`: the command
    /// reads no environment.
    public var environmentPrefix: String?
    /// Checks across options after all are read: each returns the error of a broken rule
    /// (`--signature-key needs --signature verify`), or `nil`.
    public var rules: [@Sendable (Options) -> String?]

    /// A table of `options` for `command`.
    public init(
        command: String, about: String, defaults: Options, arguments: [CommandArgument] = [], options: [CommandOption<Options>],
        environmentPrefix: String? = nil, rules: [@Sendable (Options) -> String?] = []
    ) {
        self.command = command
        self.about = about
        self.defaults = defaults
        self.arguments = arguments
        self.options = options
        self.environmentPrefix = environmentPrefix
        self.rules = rules
    }

    /// The environment variable of `option` (`TOUCHTONE_SESSION_TTL`); `nil` for flags and
    /// for commands without a prefix.
    public func environmentVariable(of option: CommandOption<Options>) -> String? {
        guard let environmentPrefix, option.placeholder != nil else { return nil }
        return environmentPrefix + option.name.uppercased().replacing("-", with: "_")
    }

    /// Reads `arguments` (after the command's name) and `environment`; flags win. Throws a
    /// one-line ``UsageError`` naming the flag or variable that is wrong.
    public func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ParsedArguments<Options> {
        var scannerOptions = options.map {
            ArgumentScanner.Option(name: $0.name, takesValue: $0.placeholder != nil, isRepeatable: $0.isRepeatable)
        }
        scannerOptions.append(ArgumentScanner.Option(name: "help", takesValue: false, isRepeatable: false))
        let scanned = try ArgumentScanner(options: scannerOptions).scan(arguments)
        if scanned.flags.contains("help") {
            return ParsedArguments(options: defaults, arguments: scanned.positional, wantsHelp: true)
        }
        if scanned.positional.count > self.arguments.count && !(self.arguments.last?.isRepeatable ?? false) {
            throw UsageError("unexpected argument \(UsageError.quoted(scanned.positional[self.arguments.count]))")
        }
        var parsed = defaults
        for option in options {
            if option.placeholder == nil {
                if scanned.flags.contains(option.name) { try option.store(&parsed, [], "--" + option.name) }
            } else if let given = scanned.values[option.name] {
                try option.store(&parsed, given, "--" + option.name)
            } else if let variable = environmentVariable(of: option), let text = environment[variable] {
                let values =
                    option.isRepeatable
                    ? text.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
                    : [text]
                try option.store(&parsed, values, variable)
            }
        }
        if let broken = rules.lazy.compactMap({ $0(parsed) }).first { throw UsageError(broken) }
        return ParsedArguments(options: parsed, arguments: scanned.positional, wantsHelp: false)
    }

    /// The text of `--help`: usage, ``about``, arguments, options with their defaults and
    /// variables, then `footer` (a paragraph) if any. `program` replaces the first word of
    /// ``command`` (`touchtone serve` becomes `my-ivr serve`).
    public func help(footer: String? = nil, program: String? = nil) -> String {
        var shown = command
        if let program, let space = command.firstIndex(of: " ") { shown = program + command[space...] }
        var text = "USAGE: \(([shown] + arguments.map(\.name) + ["[options]"]).joined(separator: " "))\n\n\(about)\n"
        if environmentPrefix != nil { text += "Every option can also be set with its environment variable; a flag wins.\n" }
        if !arguments.isEmpty {
            text += "\nARGUMENTS:\n"
            for argument in arguments { text += "  \(argument.name)\n      \(argument.help)\n" }
        }
        text += "\nOPTIONS:\n"
        for option in options {
            text += "  --\(option.name)\(option.placeholder.map { " " + $0 } ?? "")\n      \(option.helpLine(defaults: defaults))\n"
            if let variable = environmentVariable(of: option) {
                text += "      env: \(variable)\(option.isRepeatable ? " (comma-separated)" : "")\n"
            }
        }
        text += "  -h, --help\n      show this help\n"
        if let footer { text += "\n\(footer)\n" }
        return text
    }
}

/// What a command line said: the options (defaults where nothing was given), the positional
/// arguments, and whether `--help` was asked for (then nothing else was read).
public struct ParsedArguments<Options: Sendable>: Sendable {
    /// The options, read from flags, the environment and defaults.
    public var options: Options
    /// The positional arguments, in order.
    public var arguments: [String]
    /// `-h` or `--help` was given: print ``OptionTable/help(footer:program:)`` and do nothing else.
    public var wantsHelp: Bool
}

/// A positional argument of a command, for `--help` (`<flow>`).
public struct CommandArgument: Sendable {
    /// As `--help` shows it: `<flow>`, `[<file>...]`.
    public var name: String
    /// What it is, one line.
    public var help: String
    /// Takes any number of values (only the last argument may): `touchtone report a.log b.log`.
    public var isRepeatable: Bool
    /// An argument called `name`; `repeatable` when the last argument takes any number of values.
    public init(_ name: String, help: String, repeatable: Bool = false) {
        self.name = name
        self.help = help
        self.isRepeatable = repeatable
    }
}
