#if canImport(Glibc)
import Glibc
#endif

/// One `touchtone NAME ...` command: a name, a line of help and what it does.
///
/// Add a command by giving `touchtone`'s `main.swift` one more of these.
public struct Subcommand: Sendable {
    /// The word after `touchtone`.
    public var name: String
    /// One line for `touchtone --help`.
    public var summary: String
    /// Runs with the arguments after the name and the environment; returns the exit
    /// status (0 success, 1 failure, 2 bad usage).
    public var run: @Sendable (_ arguments: [String], _ environment: [String: String]) -> Int32

    /// A command called `name`.
    public init(name: String, summary: String, run: @escaping @Sendable (_ arguments: [String], _ environment: [String: String]) -> Int32) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// The `touchtone` front door: `--help`, `--version`, and dispatch to a ``Subcommand``.
public enum CommandLineTool {
    /// The version `touchtone --version` prints.
    public static let version = "0.1.0"

    /// The text of `touchtone --help`.
    public static func help(_ subcommands: [Subcommand]) -> String {
        var text = """
        touchtone \(version): phone menus (IVR) for sipgate.io

        USAGE: touchtone <command> [options]

        COMMANDS:

        """
        let width = subcommands.map(\.name.count).max() ?? 0
        for command in subcommands {
            text += "  \(command.name)\(String(repeating: " ", count: width - command.name.count))  \(command.summary)\n"
        }
        text += """

        OPTIONS:
          -h, --help     show this help (touchtone <command> --help for a command)
          --version      print the version
        """
        return text
    }

    /// Runs `touchtone` with `arguments` (without the program name).
    /// - Parameters:
    ///   - output: receives lines for standard output.
    ///   - errorOutput: receives lines for standard error.
    public static func run(
        _ arguments: [String], environment: [String: String], subcommands: [Subcommand],
        output: (String) -> Void = { print($0) }, errorOutput: (String) -> Void = printError
    ) -> Int32 {
        guard let first = arguments.first else {
            errorOutput("touchtone: missing command (try touchtone --help)")
            return 2
        }
        switch first {
        case "-h", "--help", "help":
            output(help(subcommands))
            return 0
        case "--version", "version":
            output("touchtone \(version)")
            return 0
        default:
            guard let command = subcommands.first(where: { $0.name == first }) else {
                errorOutput("touchtone: unknown command \(CommandLineScanner.shown(first)) (try touchtone --help)")
                return 2
            }
            return command.run(Array(arguments.dropFirst()), environment)
        }
    }

    /// Writes one line to standard error.
    public static func printError(_ line: String) {
        writeAll(fd: 2, Array((line + "\n").utf8))
    }
}
