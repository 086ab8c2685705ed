import Testing
import TouchtoneCommandLine

@Suite("touchtone front door")
struct TouchtoneCommandTests {
    static let commands = [
        Subcommand(name: "serve", summary: "serve the flows") { $0.arguments == ["--port", "1"] ? 0 : 1 },
        Subcommand(name: "check", summary: "check the flows") { $0.environment["X"] == "1" ? 0 : 1 },
    ]

    func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(arguments, environment: environment, routes: ReferenceFlow.routes,
                                          subcommands: Self.commands, streams: streams.streams)
        return (status, streams.output, streams.errors)
    }

    @Test func helpListsTheCommands() {
        let result = run(["--help"])
        #expect(result.status == 0)
        #expect(result.err.isEmpty)
        #expect(result.out == """
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
