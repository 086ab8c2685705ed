import Touchtone

/// A command whose arguments and options are an ``OptionTable``: reading them, `--help` and
/// the usage errors are done here, once for every command.
protocol TableCommand: Sendable {
    associatedtype Options: Sendable
    /// The word after `touchtone`.
    static var name: String { get }
    /// One line for `touchtone --help`.
    static var summary: String { get }
    /// The arguments and options.
    static var table: OptionTable<Options> { get }
    /// A paragraph after the options in `--help` (the flows there are), if any.
    static func helpFooter(routes: RoutingTable) -> String?
    /// Runs with what the command line said. A ``UsageError`` thrown here (a flow that is not
    /// there) exits with status 2 too, without the pointer to `--help`.
    static func run(_ parsed: ParsedArguments<Options>, _ invocation: Invocation) throws(UsageError) -> Int32
}

extension TableCommand {
    static func helpFooter(routes: RoutingTable) -> String? { nil }

    /// The command, for ``TouchtoneCommand/subcommands``.
    static var subcommand: Subcommand { Subcommand(name: name, summary: summary) { parseAndRun($0) } }

    static func parseAndRun(_ invocation: Invocation) -> Int32 {
        let streams = invocation.streams
        let parsed: ParsedArguments<Options>
        do {
            parsed = try table.parse(invocation.arguments, environment: invocation.environment)
        } catch {
            streams.printError("touchtone \(name): \(error.message) (see touchtone \(name) --help)")
            return 2
        }
        if parsed.wantsHelp {
            streams.output(table.help(footer: helpFooter(routes: invocation.routes)))
            return 0
        }
        do {
            return try run(parsed, invocation)
        } catch {
            streams.printError("touchtone \(name): \(error.message)")
            return 2
        }
    }
}
