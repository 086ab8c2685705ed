import Testing

@testable import TouchtoneCommandLine

@Suite("touchtone front door")
struct TouchtoneCommandTests {
    static let commands = [
        Subcommand(name: "serve", summary: "serve the flows") { $0.arguments == ["--port", "1"] ? 0 : 1 },
        Subcommand(name: "check", summary: "check the flows") { $0.environment["X"] == "1" ? 0 : 1 },
    ]

    func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(
            arguments, environment: environment, routes: ReferenceFlow.routes,
            subcommands: Self.commands, streams: streams.streams)
        return (status, streams.output, streams.errors)
    }

    @Test func helpListsTheCommands() {
        let result = run(["--help"])
        #expect(result.status == 0)
        #expect(result.err.isEmpty)
        #expect(
            result.out == """
                touchtone \(TouchtoneCommand.version): phone menus (IVR) for sipgate.io

                USAGE: touchtone <command> [options]

                COMMANDS:
                  serve  serve the flows
                  check  check the flows

                OPTIONS:
                  -h, --help     show this help (touchtone <command> --help for a command)
                  --version      print the version

                """)
    }

    /// A user's own executable (`my-ivr`) is named in help, version and every message.
    @Test func yourOwnProgramIsNamedEverywhere() {
        let streams = CollectedStreams()
        func run(_ arguments: [String]) -> Int32 {
            TouchtoneCommand.run(arguments, environment: [:], routes: ReferenceFlow.routes, streams: streams.streams, program: "my-ivr")
        }
        #expect(run(["--version"]) == 0)
        #expect(run(["--help"]) == 0)
        #expect(run(["serve", "--help"]) == 0)
        #expect(run(["check", "--no-such-option"]) == 2)
        #expect(run(["launch"]) == 2)
        #expect(streams.output.hasPrefix("my-ivr (touchtone \(TouchtoneCommand.version))\n"))
        #expect(streams.output.contains("USAGE: my-ivr <command> [options]"))
        #expect(streams.output.contains("USAGE: my-ivr serve [options]"))
        #expect(streams.errors.contains("my-ivr check: ") && streams.errors.contains("(see my-ivr check --help)"))
        #expect(streams.errors.contains("my-ivr: unknown command 'launch' (try my-ivr --help)"))
        #expect(!streams.output.contains("touchtone serve") && !streams.errors.contains("touchtone "))
    }

    @Test func theProgramIsNamedAsItWasStarted() {
        #expect(TouchtoneCommand.programName("/home/me/ivr/.build/debug/my-ivr") == "my-ivr")
        #expect(TouchtoneCommand.programName("my-ivr") == "my-ivr")
        #expect(TouchtoneCommand.programName(nil) == "touchtone")
        #expect(TouchtoneCommand.programName("") == "touchtone")
    }

    @Test func versionAndDispatch() {
        #expect(run(["--version"]).out == "touchtone \(TouchtoneCommand.version)\n")
        #expect(run(["serve", "--port", "1"]).status == 0)
        #expect(run(["serve"]).status == 1)
        #expect(run(["check"], environment: ["X": "1"]).status == 0)
    }

    @Test func missingOrUnknownCommandsExit2WithOneLine() {
        let missing = run([])
        #expect(missing.status == 2)
        #expect(missing.err == "touchtone: missing command (try touchtone --help)\n")
        let unknown = run(["sevre"])
        #expect(unknown.status == 2)
        #expect(unknown.err == "touchtone: unknown command 'sevre' (try touchtone --help)\n")
        #expect(unknown.out.isEmpty)
    }
}

@Suite("a command of one's own, on an option table")
struct OwnCommandTests {
    struct GreetOptions: Sendable {
        var name = "caller"
        var times = 1
    }

    static let greet = Subcommand(
        name: "greet", summary: "greet someone",
        table: OptionTable(
            command: "touchtone greet", about: "Greets.", defaults: GreetOptions(),
            options: [
                .value("name", .path("NAME", naming: "someone"), at: \.name, help: "whom to greet"),
                .value("times", .integer(1...3), at: \.times, help: "how often"),
            ], environmentPrefix: "GREET_"),
        helpFooter: { "FLOWS: \($0.flows.map(\.name).joined(separator: ", "))" }
    ) { parsed, invocation throws(UsageError) in
        if parsed.options.name == "nobody" { throw UsageError("nobody is there") }
        for _ in 0..<parsed.options.times { invocation.streams.print("hello \(parsed.options.name)") }
        return 0
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(
            arguments, environment: environment, routes: ReferenceFlow.routes,
            subcommands: [Self.greet], streams: streams.streams)
        return (status, streams.output, streams.errors)
    }

    @Test func itRunsWithItsOptionsAndVariables() {
        #expect(run(["greet", "--name", "Ada"], environment: ["GREET_TIMES": "2"]) == (0, "hello Ada\nhello Ada\n", ""))
    }

    @Test func itsHelpIsItsTableWithTheFooter() {
        let result = run(["greet", "--help"])
        #expect(result.status == 0)
        #expect(result.out.hasPrefix("USAGE: touchtone greet [options]\n\nGreets.\n"))
        #expect(result.out.hasSuffix("\nFLOWS: reference\n"))
    }

    @Test func usageErrorsAreOneLineAndStatus2() {
        #expect(
            run(["greet", "--times", "9"])
                == (2, "", "touchtone greet: --times must be a whole number from 1 to 3, not '9' (see touchtone greet --help)\n"))
        #expect(
            run(["greet"], environment: ["GREET_TIMES": "0"])
                == (2, "", "touchtone greet: GREET_TIMES must be a whole number from 1 to 3, not '0' (see touchtone greet --help)\n"))
        #expect(run(["greet", "--name", "nobody"]) == (2, "", "touchtone greet: nobody is there\n"))
    }
}
