import FoundationEssentials
import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `touchtone` command line: `serve`, `check`, `graph`, `call` and `report` for a routing table.
///
/// A package's `main.swift` is one line:
///
/// ```swift
/// import TouchtoneCommandLine
///
/// TouchtoneCommand.main(routes: routes)
/// ```
public enum TouchtoneCommand {
    /// The version `touchtone --version` prints.
    public static let version = "0.1.0"

    /// The standard commands, in the order `touchtone --help` lists them.
    public static let subcommands: [Subcommand] = [
        ServeCommand.subcommand, CheckCommand.subcommand, GraphCommand.subcommand, CallCommand.subcommand, ReportCommand.subcommand,
    ]

    /// Runs the command line of this process for `routes` and exits with its status.
    /// Messages and help name the program as it was started (`my-ivr serve: ...`).
    public static func main(routes: RoutingTable, subcommands: [Subcommand] = subcommands) -> Never {
        exit(
            run(
                Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment,
                routes: routes, subcommands: subcommands, program: programName(CommandLine.arguments.first)))
    }

    /// The program and the version of Touchtone it runs: `touchtone 0.1.0`, `my-ivr (touchtone 0.1.0)`.
    static func title(_ program: String) -> String {
        program == "touchtone" ? "touchtone \(version)" : "\(program) (touchtone \(version))"
    }

    /// The last path component of `argument0` (`.build/debug/my-ivr` is `my-ivr`); `touchtone`
    /// when there is none.
    static func programName(_ argument0: String?) -> String {
        let name = argument0?.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? "touchtone" : name
    }

    /// Runs `touchtone` with `arguments` (without the program name) and returns the exit
    /// status: 0 success, 1 failure, 2 bad usage.
    ///
    /// ```swift
    /// let status = TouchtoneCommand.run(["check", "--audio", "Audio"], environment: [:], routes: routes)
    /// ```
    public static func run(
        _ arguments: [String], environment: [String: String], routes: RoutingTable,
        subcommands: [Subcommand] = subcommands, streams: StandardStreams = .process, program: String = "touchtone"
    ) -> Int32 {
        guard let first = arguments.first else {
            streams.printError("\(program): missing command (try \(program) --help)")
            return 2
        }
        switch first {
        case "-h", "--help", "help":
            streams.print(help(subcommands, program: program))
            return 0
        case "--version", "version":
            streams.print(title(program))
            return 0
        default:
            guard let command = subcommands.first(where: { $0.name == first }) else {
                streams.printError("\(program): unknown command \(UsageError.quoted(first)) (try \(program) --help)")
                return 2
            }
            return command.run(
                Invocation(
                    arguments: Array(arguments.dropFirst()), environment: environment, routes: routes,
                    streams: streams, program: program))
        }
    }

    /// The text of `touchtone --help` (without the last newline), naming `program`.
    public static func help(_ subcommands: [Subcommand], program: String = "touchtone") -> String {
        var text = """
            \(title(program)): phone menus (IVR) for sipgate.io

            USAGE: \(program) <command> [options]

            COMMANDS:

            """
        let width = subcommands.map(\.name.count).max() ?? 0
        for command in subcommands {
            text += "  \(command.name)\(String(repeating: " ", count: width - command.name.count))  \(command.summary)\n"
        }
        text += """

            OPTIONS:
              -h, --help     show this help (\(program) <command> --help for a command)
              --version      print the version
            """
        return text
    }
}
