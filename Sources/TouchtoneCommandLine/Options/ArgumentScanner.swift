/// Splits arguments into `--name value` / `--name=value` options, bare flags and positional
/// arguments; knows nothing of what the values mean (``OptionTable`` reads them).
struct ArgumentScanner {
    /// One option as the scanner sees it.
    struct Option {
        /// The name without dashes: `port` for `--port`.
        var name: String
        /// `--name VALUE` (true) or a bare `--name` flag (false).
        var takesValue: Bool
        /// May be given more than once (the values are collected in order).
        var isRepeatable: Bool
    }

    /// What was given: values by option name (in order), flags without values, positional arguments.
    struct Scanned: Hashable {
        /// The values of options that take one, by name, in the order given.
        var values: [String: [String]] = [:]
        /// The names of the flags given.
        var flags: Set<String> = []
        /// Arguments that are not options (and everything after `--`).
        var positional: [String] = []
    }

    /// The options the command knows; anything else is an error (`-h` always means `--help`).
    var options: [Option]

    /// Scans `arguments` (without the program and command names).
    func scan(_ arguments: [String]) throws(UsageError) -> Scanned {
        var scanned = Scanned()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if !argument.hasPrefix("-") || argument == "-" {
                scanned.positional.append(argument)
                continue
            }
            if argument == "--" {
                scanned.positional += rest
                break
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
                throw UsageError("unknown option \(UsageError.quoted(name))")
            }
            guard option.takesValue else {
                if inlineValue != nil { throw UsageError("\(name) takes no value") }
                scanned.flags.insert(option.name)
                continue
            }
            guard let value = inlineValue ?? rest.popFirst() else { throw UsageError("\(name) needs a value") }
            if !option.isRepeatable && scanned.values[option.name] != nil {
                throw UsageError("\(name) given more than once")
            }
            scanned.values[option.name, default: []].append(value)
        }
        return scanned
    }
}
