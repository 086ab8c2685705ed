import Testing
import Touchtone
import TouchtoneServer

@testable import TouchtoneCommandLine

/// The options `touchtone serve` reads from `arguments` and `environment`.
private func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ServeOptions {
    try ServeOptions.table.parse(arguments, environment: environment).options
}

@Suite("touchtone serve options")
struct ServeOptionsTests {
    @Test func defaults() throws {
        let o = try parse([])
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
        #expect(o.flows == .all)
    }

    @Test func everyFlag() throws {
        let o = try parse([
            "--host", "0.0.0.0", "--port=8080", "--public-url", "https://u:p@ivr.example.com/hook", "--audio", "/srv/audio",
            "--session-ttl", "15m", "--max-sessions", "500", "--basic-auth", "sipgate:pa:ss", "--signature", "verify",
            "--signature-key", "/etc/key.pem", "--allow-ip", "217.116.118.254", "--allow-ip", "212.9.46.0/24",
            "--trusted-proxy", "10.0.0.1", "--state-file", "/var/lib/tt.jsonl", "--log-format", "json", "--threads", "3",
            "--max-header-bytes", "4096", "--max-body-bytes", "2048", "--max-connections", "77", "--request-timeout", "5s",
            "--idle-timeout", "500ms", "--shutdown-grace", "0", "--flows", "reference",
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
        #expect(o.flows == .reference)
        let c = o.serverConfiguration()
        #expect(c.webhookPaths == ["/hook"])
        #expect(c.loopCount == 3)
        #expect(c.stateFile == "/var/lib/tt.jsonl")
    }

    @Test func environmentFillsInAndFlagsWin() throws {
        let env = [
            "TOUCHTONE_PORT": "4000", "TOUCHTONE_HOST": "::1", "TOUCHTONE_ALLOW_IP": "10.0.0.1, 10.0.0.2",
            "TOUCHTONE_LOG_FORMAT": "json", "TOUCHTONE_BASIC_AUTH": "a:b", "UNRELATED": "x",
        ]
        let fromEnv = try parse([], environment: env)
        #expect(fromEnv.port == 4000)
        #expect(fromEnv.host == "::1")
        #expect(fromEnv.effectivePublicURL().text == "http://[::1]:4000")
        #expect(fromEnv.allowedAddresses.count == 2)
        #expect(fromEnv.logFormat == .json)
        #expect(fromEnv.basicAuth?.user == "a")
        let flagsWin = try parse(["--port", "5000", "--allow-ip", "10.9.9.9", "--log-format", "text"], environment: env)
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
        #expect(throws: UsageError(message)) { try parse(arguments) }
    }

    @Test(arguments: [
        ("https://a.example/ivr?x=1", ["/ivr"]),
        ("https://u:p@a.example/hook#top", ["/hook"]),
        ("https://a.example", []),
        ("https://a.example/", []),
        // A slash in the query is not the path.
        ("https://a.example?next=/ivr", []),
    ])
    func thePublicURLsPathAlsoTakesPushes(url: String, paths: [String]) throws {
        #expect(try parse(["--public-url", url]).serverConfiguration().webhookPaths == paths)
    }

    @Test func badEnvironmentValuesNameTheVariable() {
        #expect(throws: UsageError("TOUCHTONE_PORT must be a whole number from 0 to 65535, not 'x'")) {
            try parse([], environment: ["TOUCHTONE_PORT": "x"])
        }
        // A good flag hides a bad variable: flags win.
        #expect((try? parse(["--port", "1"], environment: ["TOUCHTONE_PORT": "x"]))?.port == 1)
    }

    @Test func theEventBackendIsChosenByFlagOrVariable() throws {
        #if os(Linux)
            #expect(try parse([]).serverConfiguration().eventBackend == .epoll)
        #else
            #expect(try parse([]).serverConfiguration().eventBackend == .poll)
        #endif
        #expect(try parse(["--event-backend", "poll"]).serverConfiguration().eventBackend == .poll)
        #expect(try parse([], environment: ["TOUCHTONE_EVENT_BACKEND": "poll"]).eventBackend == .poll)
        #expect(try parse(["--event-backend", "epoll"], environment: ["TOUCHTONE_EVENT_BACKEND": "poll"]).eventBackend == .epoll)
        #expect(throws: UsageError.self) { try parse(["--event-backend", "kqueue"]) }
    }

    @Test func helpListsEveryFlagAndVariable() throws {
        #expect(try ServeOptions.table.parse(["-h"]).wantsHelp)
        #expect(try ServeOptions.table.parse(["--help", "--port", "nonsense"]).wantsHelp)
        let help = ServeOptions.table.help()
        #expect(ServeOptions.table.options.count == 25)
        for option in ServeOptions.table.options {
            #expect(help.contains("  --\(option.name) \(option.placeholder ?? "")\n"), "\(option.name)")
            let variable = try #require(ServeOptions.table.environmentVariable(of: option))
            #expect(help.contains("      env: \(variable)"), "\(option.name)")
        }
        // Defaults come from ServeOptions(), written once.
        #expect(help.contains("      TCP port (default 3000; 0 picks a free one)\n"))
        #expect(help.contains("      close keep-alive connections idle this long (default 1m)\n"))
        #expect(help.contains("      env: TOUCHTONE_ALLOW_IP (comma-separated)\n"))
    }
}
