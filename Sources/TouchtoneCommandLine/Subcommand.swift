import Touchtone
import TouchtoneServer

/// One `touchtone NAME ...` command: a name, a line of help and what it does.
///
/// ```swift
/// let hello = Subcommand(name: "hello", summary: "say hello") { invocation in
///     invocation.streams.print("hello, \(invocation.routes.flows.count) flows")
///     return 0
/// }
/// TouchtoneCommand.main(routes: routes, subcommands: TouchtoneCommand.subcommands + [hello])
/// ```
public struct Subcommand: Sendable {
    /// The word after `touchtone`.
    public var name: String
    /// One line for `touchtone --help`.
    public var summary: String
    /// Runs the command; returns the exit status (0 success, 1 failure, 2 bad usage).
    public var run: @Sendable (_ invocation: Invocation) -> Int32

    /// A command called `name`.
    public init(name: String, summary: String, run: @escaping @Sendable (_ invocation: Invocation) -> Int32) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// What a ``Subcommand`` runs with: its arguments, the environment, the routing table and the
/// standard streams.
///
/// ```swift
/// let invocation = Invocation(arguments: ["hotline"], environment: [:], routes: routes)
/// let status = hello.run(invocation)
/// ```
public struct Invocation: Sendable {
    /// The arguments after the command's name.
    public var arguments: [String]
    /// The process environment (`TOUCHTONE_*` variables).
    public var environment: [String: String]
    /// The flows to serve, check, draw or call.
    public var routes: RoutingTable
    /// Where input comes from and output goes.
    public var streams: StandardStreams
    /// The program's name as messages and help show it: `touchtone`, or your executable's.
    public var program: String

    /// An invocation of a command with `arguments`.
    public init(
        arguments: [String], environment: [String: String], routes: RoutingTable, streams: StandardStreams = .process,
        program: String = "touchtone"
    ) {
        self.arguments = arguments
        self.environment = environment
        self.routes = routes
        self.streams = streams
        self.program = program
    }
}

/// Standard input, output and error of a command; tests replace output and error with closures.
///
/// ```swift
/// let collected = Lock<String>("")
/// let streams = StandardStreams(output: { text in collected.withLock { $0 += text } }, error: { _ in })
/// ```
public struct StandardStreams: Sendable {
    /// The file descriptor read as standard input (`touchtone call` reads keys from it).
    public var input: Int32
    /// Writes text to standard output, as it is.
    public var output: @Sendable (String) -> Void
    /// Writes text to standard error, as it is.
    public var error: @Sendable (String) -> Void

    /// Streams writing with `output` and `error`, reading `input`.
    public init(input: Int32 = 0, output: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void) {
        self.input = input
        self.output = output
        self.error = error
    }

    /// The process's own: file descriptors 0, 1 and 2, unbuffered (so lines of a call and of
    /// the server's log come out in the order they happen).
    public static let process = StandardStreams(output: { writeAll(fd: 1, Array($0.utf8)) }, error: { writeAll(fd: 2, Array($0.utf8)) })

    /// Writes `line` and a newline to standard output.
    public func print(_ line: String) { output(line + "\n") }

    /// Writes `line` and a newline to standard error.
    public func printError(_ line: String) { error(line + "\n") }
}
