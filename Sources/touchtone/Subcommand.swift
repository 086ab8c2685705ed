import TouchtoneServer
#if canImport(Glibc)
import Glibc
#endif

/// One `touchtone NAME ...` command.
struct Subcommand: Sendable {
    /// The word after `touchtone`.
    var name: String
    /// One line for `touchtone --help`.
    var summary: String
    /// Runs with the arguments after the name; returns the exit status
    /// (0 success, 1 failure, 2 bad usage).
    var run: @Sendable (_ arguments: [String], _ environment: [String: String]) -> Int32
}

enum CommandLineTool {
    static let version = "0.1.0"

    static func help(_ subcommands: [Subcommand]) -> String {
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

    static func run(_ arguments: [String], environment: [String: String], subcommands: [Subcommand]) -> Int32 {
        guard let first = arguments.first else {
            printError("touchtone: missing command (try touchtone --help)")
            return 2
        }
        switch first {
        case "-h", "--help", "help":
            print(help(subcommands))
            return 0
        case "--version", "version":
            print("touchtone \(version)")
            return 0
        default:
            guard let command = subcommands.first(where: { $0.name == first }) else {
                printError("touchtone: unknown command \(shown(first)) (try touchtone --help)")
                return 2
            }
            return command.run(Array(arguments.dropFirst()), environment)
        }
    }

    static func shown(_ text: String) -> String {
        "'" + String(text.unicodeScalars.prefix(60).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }) + "'"
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
