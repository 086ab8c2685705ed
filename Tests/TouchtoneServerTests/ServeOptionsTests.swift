import Testing
import Touchtone
@testable import TouchtoneServer

@Suite("touchtone serve options")
struct ServeOptionsTests {
    @Test func defaults() throws {
        let o = try ServeOptions.parse([])
        #expect(o.host == "127.0.0.1")
        #expect(o.port == 3000)
        #expect(o.effectivePublicURL().text == "http://127.0.0.1:3000")
        #expect(o.audioDirectory == "Audio")
        #expect(o.sessionTTL == .seconds(7200))
        #expect(o.maxSessions == 1_000_000)
        #expect(o.basicAuth == nil)
        #expect(o.signature == .off)
        #expect(o.logFormat == .text)
        #expect(o.limits == ServerLimits())
        #expect(!o.help)
    }

    @Test func everyFlag() throws {
        let o = try ServeOptions.parse([
            "--host", "0.0.0.0", "--port=8080", "--public-url", "https://u:p@ivr.example.com/hook", "--audio", "/srv/audio",
            "--session-ttl", "15m", "--max-sessions", "500", "--basic-auth", "sipgate:pa:ss", "--signature", "verify",
            "--signature-key", "/etc/key.pem", "--allow-ip", "217.116.118.254", "--allow-ip", "212.9.46.0/24",
            "--trusted-proxy", "10.0.0.1", "--state-file", "/var/lib/tt.jsonl", "--log-format", "json", "--threads", "3",
            "--max-header-bytes", "4096", "--max-body-bytes", "2048", "--max-connections", "77", "--request-timeout", "5s",
            "--idle-timeout", "500ms", "--shutdown-grace", "0",
        ])
        #expect(o.host == "0.0.0.0")
        #expect(o.port == 8080)
        #expect(o.effectivePublicURL().text == "https://u:p@ivr.example.com/hook")
        #expect(o.audioDirectory == "/srv/audio")
        #expect(o.sessionTTL == .seconds(900))
        #expect(o.maxSessions == 500)
        #expect(o.basicAuth == BasicCredentials(user: "sipgate", password: "pa:ss"))
        #expect(o.signature == .verify)
        #expect(o.signatureKeyFile == "/etc/key.pem")
        #expect(o.allowedAddresses.map(\.description) == ["217.116.118.254", "212.9.46.0/24"])
        #expect(o.trustedProxies.map(\.description) == ["10.0.0.1"])
        #expect(o.stateFile == "/var/lib/tt.jsonl")
        #expect(o.logFormat == .json)
        #expect(o.threads == 3)
        #expect(o.limits.maxHeaderBytes == 4096)
        #expect(o.limits.maxBodyBytes == 2048)
        #expect(o.limits.maxConnections == 77)
        #expect(o.limits.requestTimeout == .seconds(5))
        #expect(o.limits.idleTimeout == .milliseconds(500))
        #expect(o.limits.shutdownGrace == .zero)
        let c = o.serverConfiguration()
        #expect(c.webhookPaths == ["/hook"])
        #expect(c.loopCount == 3)
        #expect(c.stateFile == "/var/lib/tt.jsonl")
    }

    @Test func environmentFillsInAndFlagsWin() throws {
        let env = ["TOUCHTONE_PORT": "4000", "TOUCHTONE_HOST": "::1", "TOUCHTONE_ALLOW_IP": "10.0.0.1, 10.0.0.2",
                   "TOUCHTONE_LOG_FORMAT": "json", "TOUCHTONE_BASIC_AUTH": "a:b", "UNRELATED": "x"]
        let fromEnv = try ServeOptions.parse([], environment: env)
        #expect(fromEnv.port == 4000)
        #expect(fromEnv.host == "::1")
        #expect(fromEnv.effectivePublicURL().text == "http://[::1]:4000")
        #expect(fromEnv.allowedAddresses.count == 2)
        #expect(fromEnv.logFormat == .json)
        #expect(fromEnv.basicAuth?.user == "a")
        let flagsWin = try ServeOptions.parse(["--port", "5000", "--allow-ip", "10.9.9.9", "--log-format", "text"], environment: env)
        #expect(flagsWin.port == 5000)
        #expect(flagsWin.allowedAddresses.map(\.description) == ["10.9.9.9"])
        #expect(flagsWin.logFormat == .text)
        #expect(flagsWin.host == "::1")
    }

    @Test(arguments: [
        (["--nope"], "unknown option '--nope'"),
        (["serve"], "unexpected argument 'serve'"),
        (["--port"], "--port needs a value"),
        (["--port", "abc"], "--port must be a whole number from 0 to 65535, not 'abc'"),
        (["--port", "65536"], "--port must be a whole number from 0 to 65535, not '65536'"),
        (["--port", "1", "--port", "2"], "--port given more than once"),
        (["--public-url", "ftp://x"], "--public-url must be an absolute http(s) URL, not 'ftp://x'"),
        (["--session-ttl", "soon"], "--session-ttl must be a duration such as 500ms, 30s, 15m or 2h, not 'soon'"),
        (["--session-ttl", "0s"], "--session-ttl must be a duration such as 500ms, 30s, 15m or 2h, not '0s'"),
        (["--max-sessions", "0"], "--max-sessions must be a whole number from 1 to 100000000, not '0'"),
        (["--basic-auth", "nopassword"], "--basic-auth must be USER:PASSWORD with both parts non-empty"),
        (["--basic-auth", "user:"], "--basic-auth must be USER:PASSWORD with both parts non-empty"),
        (["--signature", "maybe"], "--signature must be off or verify, not 'maybe'"),
        (["--signature-key", "k.pem"], "--signature-key needs --signature verify"),
        (["--allow-ip", "1.2.3.4/40"], "--allow-ip: '1.2.3.4/40' is not an IP address or CIDR block"),
        (["--trusted-proxy", "proxy.local"], "--trusted-proxy: 'proxy.local' is not an IP address or CIDR block"),
        (["--log-format", "xml"], "--log-format must be text, json or off, not 'xml'"),
        (["--max-body-bytes", "10"], "--max-body-bytes must be a whole number from 256 to 16777216, not '10'"),
        (["--help=yes"], "--help takes no value"),
        (["--host", "a b"], "--host must be an address or host name, not 'a b'"),
    ])
    func badFlagsGiveOneLineReasons(arguments: [String], message: String) {
        #expect(throws: UsageError(message)) { try ServeOptions.parse(arguments) }
    }

    @Test func badEnvironmentValuesNameTheVariable() {
        #expect(throws: UsageError("TOUCHTONE_PORT must be a whole number from 0 to 65535, not 'x'")) {
            try ServeOptions.parse([], environment: ["TOUCHTONE_PORT": "x"])
        }
        // A good flag hides a bad variable: flags win.
        #expect((try? ServeOptions.parse(["--port", "1"], environment: ["TOUCHTONE_PORT": "x"]))?.port == 1)
    }

    @Test func helpListsEveryFlagAndVariable() throws {
        #expect(try ServeOptions.parse(["-h"]).help)
        #expect(try ServeOptions.parse(["--help", "--port", "1"]).help)
        for row in ServeOptions.table {
            #expect(ServeOptions.help.contains("--\(row.flag) "), "\(row.flag)")
            if let env = row.env { #expect(ServeOptions.help.contains(env)) }
        }
    }

    @Test func durations() {
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("2h") == .seconds(7200))
        #expect(DurationText.parse("45") == .seconds(45))
        #expect(DurationText.parse("-5s") == nil)
        #expect(DurationText.parse("1.5s") == nil)
        #expect(DurationText.parse("") == nil)
        #expect(DurationText.parse("9999999999h") == nil)
    }
}

@Suite("touchtone front door")
struct CommandLineToolTests {
    static let commands = [
        Subcommand(name: "serve", summary: "serve the flows") { arguments, _ in arguments == ["--port", "1"] ? 0 : 1 },
        Subcommand(name: "check", summary: "check the flows") { _, environment in environment["X"] == "1" ? 0 : 1 },
    ]

    func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, out: [String], err: [String]) {
        var out: [String] = []
        var err: [String] = []
        let status = CommandLineTool.run(arguments, environment: environment, subcommands: Self.commands,
                                         output: { out.append($0) }, errorOutput: { err.append($0) })
        return (status, out, err)
    }

    @Test func helpListsTheCommands() {
        let result = run(["--help"])
        #expect(result.status == 0)
        #expect(result.err.isEmpty)
        #expect(result.out == ["""
            touchtone \(CommandLineTool.version): phone menus (IVR) for sipgate.io

            USAGE: touchtone <command> [options]

            COMMANDS:
              serve  serve the flows
              check  check the flows

            OPTIONS:
              -h, --help     show this help (touchtone <command> --help for a command)
              --version      print the version
            """])
    }

    @Test func versionAndDispatch() {
        #expect(run(["--version"]).out == ["touchtone \(CommandLineTool.version)"])
        #expect(run(["serve", "--port", "1"]).status == 0)
        #expect(run(["serve"]).status == 1)
        #expect(run(["check"], environment: ["X": "1"]).status == 0)
    }

    @Test func missingOrUnknownCommandsExit2WithOneLine() {
        let missing = run([])
        #expect(missing.status == 2)
        #expect(missing.err == ["touchtone: missing command (try touchtone --help)"])
        let unknown = run(["sevre"])
        #expect(unknown.status == 2)
        #expect(unknown.err == ["touchtone: unknown command 'sevre' (try touchtone --help)"])
        #expect(unknown.out.isEmpty)
    }
}
