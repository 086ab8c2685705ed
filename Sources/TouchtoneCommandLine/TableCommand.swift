import Touchtone

/// One of the standard commands: its parts, joined into a ``Subcommand`` by
/// ``Subcommand/init(name:summary:table:helpFooter:run:)``, which reads the options, answers
/// `--help` and reports usage errors once for every command.
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
    static var subcommand: Subcommand {
        Subcommand(name: name, summary: summary, table: table, helpFooter: helpFooter(routes:), run: run)
    }
}

extension Subcommand {
    /// A command whose arguments and options are `table`: it reads them, answers `--help`
    /// (with `helpFooter` of the routing table after the options), and turns a ``UsageError``
    /// into one line on standard error and status 2, before or after `run`.
    ///
    /// ```swift
    /// let greet = Subcommand(name: "greet", summary: "greet a caller", table: greetTable) { parsed, invocation in
    ///     invocation.streams.print("hello \(parsed.options.name)")
    ///     return 0
    /// }
    /// ```
    public init<Options>(
        name: String, summary: String, table: OptionTable<Options>,
        helpFooter: @escaping @Sendable (RoutingTable) -> String? = { _ in nil },
        run: @escaping @Sendable (ParsedArguments<Options>, Invocation) throws(UsageError) -> Int32
    ) {
        self.init(name: name, summary: summary) { invocation in
            let streams = invocation.streams
            let parsed: ParsedArguments<Options>
            do throws(UsageError) {
                parsed = try table.parse(invocation.arguments, environment: invocation.environment)
            } catch {
                let program = invocation.program
                streams.printError("\(program) \(name): \(error.message) (see \(program) \(name) --help)")
                return 2
            }
            if parsed.wantsHelp {
                streams.output(table.help(footer: helpFooter(invocation.routes), program: invocation.program))
                return 0
            }
            do throws(UsageError) {
                return try run(parsed, invocation)
            } catch {
                streams.printError("\(invocation.program) \(name): \(error.message)")
                return 2
            }
        }
    }
}
