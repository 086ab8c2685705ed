import Testing
import TouchtoneCommandLine

/// The declaration mechanism itself, on a small table of its own.
@Suite("one declaration per option")
struct OptionTableTests {
    struct Settings: Sendable, Equatable {
        enum Color: String, Sendable, CaseIterable { case red, green, blue }
        var port = 3000
        var sessionTTL: Duration = .seconds(90)
        var color = Color.green
        var name: String?
        var peers: [String] = []
        var loud = false
    }

    static let peer = OptionValue<String>(placeholder: "PEER", mustBe: "a peer name") { $0.hasPrefix("p") ? $0 : nil }

    static let table = OptionTable(
        command: "demo run", about: "Runs the demo.", defaults: Settings(),
        arguments: [CommandArgument("<what>", help: "what to run")],
        options: [
            .value("port", .integer(1...9999, placeholder: "PORT"), at: \.port, help: "the port", note: "0 is not allowed"),
            .value("session-ttl", .duration(), at: \.sessionTTL, help: "how long"),
            .value("color", .choice, at: \.color, help: "the color"),
            .value("name", .path("NAME", naming: "a name"), at: \.name, help: "a name", defaultText: "none"),
            .values("peer", peer, at: \.peers, help: "a peer"),
            .flag("loud", at: \.loud, help: "shout"),
        ],
        environmentPrefix: "DEMO_",
        rules: [{ $0.loud && $0.color == .blue ? "--loud needs a color other than blue" : nil }])

    @Test func helpIsDerivedFromTheDeclarations() {
        #expect(
            Self.table.help(footer: "MORE: text") == """
                USAGE: demo run <what> [options]

                Runs the demo.
                Every option can also be set with its environment variable; a flag wins.

                ARGUMENTS:
                  <what>
                      what to run

                OPTIONS:
                  --port PORT
                      the port (default 3000; 0 is not allowed)
                      env: DEMO_PORT
                  --session-ttl DURATION
                      how long (default 90s)
                      env: DEMO_SESSION_TTL
                  --color red|green|blue
                      the color (default green)
                      env: DEMO_COLOR
                  --name NAME
                      a name (default: none)
                      env: DEMO_NAME
                  --peer PEER
                      a peer (repeatable)
                      env: DEMO_PEER (comma-separated)
                  --loud
                      shout
                  -h, --help
                      show this help

                MORE: text

                """)
    }

    @Test func theDefaultsShownAreTheOptionsDefaults() {
        var table = Self.table
        table.defaults.port = 4242
        table.defaults.sessionTTL = .milliseconds(250)
        #expect(table.help().contains("the port (default 4242; 0 is not allowed)"))
        #expect(table.help().contains("how long (default 250ms)"))
    }

    @Test func variablesAreNamedAfterTheOptions() throws {
        let names = Self.table.options.map { Self.table.environmentVariable(of: $0) }
        #expect(names == ["DEMO_PORT", "DEMO_SESSION_TTL", "DEMO_COLOR", "DEMO_NAME", "DEMO_PEER", nil])
        var withoutEnvironment = Self.table
        withoutEnvironment.environmentPrefix = nil
        #expect(withoutEnvironment.options.allSatisfy { withoutEnvironment.environmentVariable(of: $0) == nil })
        #expect(try withoutEnvironment.parse([], environment: ["DEMO_PORT": "1"]).options.port == 3000)
        #expect(!withoutEnvironment.help().contains("env:"))
    }

    @Test func flagsVariablesAndDefaults() throws {
        let parsed = try Self.table.parse(
            ["job", "--port=8080", "--loud", "--peer", "p1", "--peer", "p2"],
            environment: ["DEMO_COLOR": "red", "DEMO_PORT": "1", "DEMO_PEER": "p9"])
        var expected = Settings()
        expected.port = 8080
        expected.color = .red
        expected.loud = true
        expected.peers = ["p1", "p2"]
        #expect(parsed.options == expected)
        #expect(parsed.arguments == ["job"])
        #expect(!parsed.wantsHelp)
        #expect(try Self.table.parse([]).options == Settings())
    }

    @Test func aRepeatableVariableIsACommaSeparatedList() throws {
        #expect(try Self.table.parse([], environment: ["DEMO_PEER": " p1,p2 ,, \tp3 "]).options.peers == ["p1", "p2", "p3"])
        #expect(try Self.table.parse([], environment: ["DEMO_PEER": ""]).options.peers == [])
        // A non-repeatable variable is one value, commas and all.
        #expect(try Self.table.parse([], environment: ["DEMO_NAME": "a,b"]).options.name == "a,b")
    }

    @Test(
        arguments: [
            ([String](), ["DEMO_PORT": "x"], "DEMO_PORT must be a whole number from 1 to 9999, not 'x'"),
            (["--port", "0"], [:], "--port must be a whole number from 1 to 9999, not '0'"),
            (["--session-ttl", "soon"], [:], "--session-ttl must be a duration such as 500ms, 30s, 15m or 2h, not 'soon'"),
            ([], ["DEMO_SESSION_TTL": "0"], "DEMO_SESSION_TTL must be a duration such as 500ms, 30s, 15m or 2h, not '0'"),
            (["--color", "pink"], [:], "--color must be red, green or blue, not 'pink'"),
            ([], ["DEMO_COLOR": "pink"], "DEMO_COLOR must be red, green or blue, not 'pink'"),
            (["--name="], [:], "--name must name a name"),
            (["--peer", "p1", "--peer", "q"], [:], "--peer must be a peer name, not 'q'"),
            ([], ["DEMO_PEER": "p1,q2"], "DEMO_PEER must be a peer name, not 'q2'"),
            (["--loud=yes"], [:], "--loud takes no value"),
            (["--port", "1", "--port", "2"], [:], "--port given more than once"),
            (["--nope"], [:], "unknown option '--nope'"),
            (["-x"], [:], "unknown option '-x'"),
            (["--port"], [:], "--port needs a value"),
            (["a", "b"], [:], "unexpected argument 'b'"),
            (["--loud", "--color", "blue"], [:], "--loud needs a color other than blue"),
            (["--port", "x\u{1B}[2J"], [:], "--port must be a whole number from 1 to 9999, not 'x\\u{001B}[2J'"),
        ] as [([String], [String: String], String)])
    func errorsNameTheFlagOrTheVariable(arguments: [String], environment: [String: String], message: String) {
        #expect(throws: UsageError(message)) { try Self.table.parse(arguments, environment: environment) }
    }

    @Test func aFlagHidesABadVariable() throws {
        #expect(try Self.table.parse(["--port", "5"], environment: ["DEMO_PORT": "x"]).options.port == 5)
        #expect(try Self.table.parse(["--peer", "p1"], environment: ["DEMO_PEER": "bad"]).options.peers == ["p1"])
    }

    @Test func helpWinsOverEverythingButUnknownOptions() throws {
        #expect(try Self.table.parse(["--port", "0", "a", "b", "-h"]).wantsHelp)
        #expect(try Self.table.parse(["--help"], environment: ["DEMO_PORT": "x"]).wantsHelp)
        #expect(throws: UsageError("unknown option '--nope'")) { try Self.table.parse(["--nope", "--help"]) }
    }

    @Test func everythingAfterADoubleDashIsAnArgument() throws {
        #expect(try Self.table.parse(["--", "--port"]).arguments == ["--port"])
        #expect(try Self.table.parse(["-"]).arguments == ["-"])
    }

    @Test func durations() {
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("2h") == .seconds(7200))
        #expect(DurationText.parse("45") == .seconds(45))
        #expect(DurationText.parse("-5s") == nil)
        #expect(DurationText.parse("1.5s") == nil)
        #expect(DurationText.parse("") == nil)
        #expect(DurationText.parse("9999999999h") == nil)
        #expect(DurationText.format(.seconds(60)) == "1m")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.zero) == "0s")
    }
}
