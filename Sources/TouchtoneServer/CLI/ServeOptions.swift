import Touchtone

/// The settings of `touchtone serve`, from flags and `TOUCHTONE_*` environment variables (flags win).
public struct ServeOptions: Sendable {
    /// Whether pushes must carry a valid `X-Sipgate-Signature`.
    public enum SignatureMode: String, Sendable, Hashable { case off, verify }

    /// `--host`: the address to listen on.
    public var host = "127.0.0.1"
    /// `--port`: the TCP port (0 picks a free one).
    public var port = 3000
    /// `nil` means `http://HOST:PORT`.
    public var publicURL: AbsoluteURL?
    /// `--audio`: the folder of prompts.
    public var audioDirectory = "Audio"
    /// `--session-ttl`: a call idle this long is forgotten.
    public var sessionTTL: Duration = .seconds(2 * 60 * 60)
    /// `--max-sessions`: most calls at once.
    public var maxSessions = 1_000_000
    /// `--basic-auth`: credentials pushes and `/metrics` need.
    public var basicAuth: BasicCredentials?
    /// `--signature`.
    public var signature: SignatureMode = .off
    /// A PEM file; `nil` means sipgate's published push key.
    public var signatureKeyFile: String?
    /// `--allow-ip`: the only sources that may push (empty: any).
    public var allowedAddresses: [AddressRange] = []
    /// `--trusted-proxy`: peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressRange] = []
    /// `--state-file`: where sessions are saved on shutdown and restored from on start.
    public var stateFile: String?
    /// `--log-format`.
    public var logFormat: LogFormat = .text
    /// `--flows`: `all` (the routing table of Flows/) or `reference` (the benchmark flow).
    public var flows = "all"
    /// 0 means one loop per core.
    public var threads = 0
    /// The limit and timeout flags.
    public var limits = ServerLimits()
    /// `--help` or `-h` was given: print ``help`` and do nothing else.
    public var help = false

    /// The defaults.
    public init() {}

    /// Every option: flag name, environment variable, value shape, what it does.
    public static let table: [(flag: String, env: String?, value: String, summary: String, repeatable: Bool)] = [
        ("host", "TOUCHTONE_HOST", "ADDRESS", "address to listen on (default 127.0.0.1; 0.0.0.0 for all)", false),
        ("port", "TOUCHTONE_PORT", "PORT", "TCP port (default 3000; 0 picks a free one)", false),
        ("public-url", "TOUCHTONE_PUBLIC_URL", "URL", "where sipgate reaches this server; callbacks and prompts point there (default http://HOST:PORT)", false),
        ("audio", "TOUCHTONE_AUDIO", "DIR", "folder of the WAV prompts served under /audio/ (default Audio)", false),
        ("session-ttl", "TOUCHTONE_SESSION_TTL", "DURATION", "forget a call idle this long (default 2h; e.g. 90s, 15m)", false),
        ("max-sessions", "TOUCHTONE_MAX_SESSIONS", "N", "most calls at once (default 1000000)", false),
        ("basic-auth", "TOUCHTONE_BASIC_AUTH", "USER:PASSWORD", "require these credentials on pushes and /metrics", false),
        ("signature", "TOUCHTONE_SIGNATURE", "off|verify", "check X-Sipgate-Signature on every push (default off)", false),
        ("signature-key", "TOUCHTONE_SIGNATURE_KEY", "PEM-FILE", "public key for --signature verify (default: sipgate's push key)", false),
        ("allow-ip", "TOUCHTONE_ALLOW_IP", "ADDRESS[/PREFIX]", "accept pushes only from here (repeatable; env: comma-separated)", true),
        ("trusted-proxy", "TOUCHTONE_TRUSTED_PROXY", "ADDRESS[/PREFIX]", "believe X-Forwarded-For from this peer (repeatable)", true),
        ("state-file", "TOUCHTONE_STATE_FILE", "PATH", "save sessions here on shutdown, restore them on start", false),
        ("log-format", "TOUCHTONE_LOG_FORMAT", "text|json|off", "one line per push (default text)", false),
        ("flows", "TOUCHTONE_FLOWS", "all|reference", "the routing table of Flows/ (default all), or the benchmark reference flow", false),
        ("threads", "TOUCHTONE_THREADS", "N", "event loops (default: one per core less one, at least 1)", false),
        ("max-header-bytes", "TOUCHTONE_MAX_HEADER_BYTES", "N", "request line and headers, beyond: 431 (default 8192)", false),
        ("max-body-bytes", "TOUCHTONE_MAX_BODY_BYTES", "N", "request body, beyond: 413 (default 16384)", false),
        ("max-connections", "TOUCHTONE_MAX_CONNECTIONS", "N", "open connections, beyond: 503 (default 10000)", false),
        ("request-timeout", "TOUCHTONE_REQUEST_TIMEOUT", "DURATION", "time to send one request, beyond: 408 and close (default 10s)", false),
        ("idle-timeout", "TOUCHTONE_IDLE_TIMEOUT", "DURATION", "close keep-alive connections idle this long (default 60s)", false),
        ("shutdown-grace", "TOUCHTONE_SHUTDOWN_GRACE", "DURATION", "time requests in flight get on SIGTERM (default 10s)", false),
    ]

    /// The text of `touchtone serve --help`.
    public static let help: String = {
        var text = """
        USAGE: touchtone serve [options]

        Serves the flows of Flows/ to sipgate.io: POST / takes every push, GET /audio/NAME.wav
        serves prompts, GET /healthz and GET /metrics report health and counters.
        Every option can also be set with its environment variable; a flag wins.

        OPTIONS:

        """
        for row in table {
            text += "  --\(row.flag) \(row.value)\n      \(row.summary)\n      env: \(row.env ?? "-")\n"
        }
        text += "  -h, --help\n      show this help\n"
        return text
    }()

    /// Reads flags and environment; flags win. Throws a one-line ``UsageError`` for anything wrong.
    public static func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ServeOptions {
        var scannerOptions = table.map { CommandLineScanner.Option($0.flag, repeatable: $0.repeatable) }
        scannerOptions.append(CommandLineScanner.Option("help", takesValue: false))
        let parsed = try CommandLineScanner(options: scannerOptions).scan(arguments)
        if let extra = parsed.positional.first { throw UsageError("unexpected argument \(CommandLineScanner.shown(extra))") }
        var options = ServeOptions()
        if parsed.flags.contains("help") {
            options.help = true
            return options
        }

        /// The flag's values, else the environment's (comma-separated for repeatable options).
        func values(_ flag: String) -> (values: [String], source: String)? {
            if let given = parsed.values[flag] { return (given, "--\(flag)") }
            guard let row = table.first(where: { $0.flag == flag }), let env = row.env, let value = environment[env] else { return nil }
            if row.repeatable {
                return (value.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }, env)
            }
            return ([value], env)
        }
        func single(_ flag: String) -> (value: String, source: String)? {
            values(flag).flatMap { v in v.values.last.map { ($0, v.source) } }
        }
        func integer(_ flag: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int? {
            guard let (text, source) = single(flag) else { return nil }
            guard text.utf8.count <= 10, let n = Int(text), range.contains(n) else {
                throw UsageError("\(source) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(CommandLineScanner.shown(text))")
            }
            return n
        }
        func duration(_ flag: String, minimum: Duration = .milliseconds(1)) throws(UsageError) -> Duration? {
            guard let (text, source) = single(flag) else { return nil }
            guard let d = DurationText.parse(text), d >= minimum else {
                throw UsageError("\(source) must be a duration such as 500ms, 30s, 15m or 2h, not \(CommandLineScanner.shown(text))")
            }
            return d
        }
        func ranges(_ flag: String) throws(UsageError) -> [AddressRange] {
            guard let (list, source) = values(flag) else { return [] }
            var out: [AddressRange] = []
            for text in list {
                guard let range = AddressRange(text) else {
                    throw UsageError("\(source): \(CommandLineScanner.shown(text)) is not an IP address or CIDR block")
                }
                out.append(range)
            }
            return out
        }

        if let (host, source) = single("host") {
            guard !host.isEmpty, host.utf8.count <= 253, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
                throw UsageError("\(source) must be an address or host name, not \(CommandLineScanner.shown(host))")
            }
            options.host = host
        }
        if let port = try integer("port", 0...65535) { options.port = port }
        if let (text, source) = single("public-url") {
            guard let url = try? AbsoluteURL(text) else {
                throw UsageError("\(source) must be an absolute http(s) URL, not \(CommandLineScanner.shown(text))")
            }
            options.publicURL = url
        }
        if let (dir, source) = single("audio") {
            guard !dir.isEmpty else { throw UsageError("\(source) must name a folder") }
            options.audioDirectory = dir
        }
        if let ttl = try duration("session-ttl", minimum: .seconds(1)) { options.sessionTTL = ttl }
        if let n = try integer("max-sessions", 1...100_000_000) { options.maxSessions = n }
        if let (text, source) = single("basic-auth") {
            guard let credentials = BasicCredentials(text), !credentials.password.isEmpty else {
                throw UsageError("\(source) must be USER:PASSWORD with both parts non-empty")
            }
            options.basicAuth = credentials
        }
        if let (text, source) = single("signature") {
            guard let mode = SignatureMode(rawValue: text) else {
                throw UsageError("\(source) must be off or verify, not \(CommandLineScanner.shown(text))")
            }
            options.signature = mode
        }
        if let (path, source) = single("signature-key") {
            guard !path.isEmpty else { throw UsageError("\(source) must name a PEM file") }
            options.signatureKeyFile = path
        }
        options.allowedAddresses = try ranges("allow-ip")
        options.trustedProxies = try ranges("trusted-proxy")
        if let (path, source) = single("state-file") {
            guard !path.isEmpty else { throw UsageError("\(source) must name a file") }
            options.stateFile = path
        }
        if let (text, source) = single("log-format") {
            guard let format = LogFormat(rawValue: text) else {
                throw UsageError("\(source) must be text, json or off, not \(CommandLineScanner.shown(text))")
            }
            options.logFormat = format
        }
        if let (text, source) = single("flows") {
            guard text == "all" || text == "reference" else {
                throw UsageError("\(source) must be all or reference, not \(CommandLineScanner.shown(text))")
            }
            options.flows = text
        }
        if let n = try integer("threads", 0...256) { options.threads = n }
        if let n = try integer("max-header-bytes", 256...1_048_576) { options.limits.maxHeaderBytes = n }
        if let n = try integer("max-body-bytes", 256...16_777_216) { options.limits.maxBodyBytes = n }
        if let n = try integer("max-connections", 1...1_000_000) { options.limits.maxConnections = n }
        if let d = try duration("request-timeout") { options.limits.requestTimeout = d }
        if let d = try duration("idle-timeout") { options.limits.idleTimeout = d }
        if let d = try duration("shutdown-grace", minimum: .zero) { options.limits.shutdownGrace = d }
        if options.signatureKeyFile != nil && options.signature == .off {
            throw UsageError("--signature-key needs --signature verify")
        }
        return options
    }

    /// The public URL, or `http://HOST:PORT` (with the bound port when the port was 0).
    public func effectivePublicURL(boundPort: Int? = nil) -> AbsoluteURL {
        if let publicURL { return publicURL }
        let shownHost: String
        switch host {
        case "0.0.0.0": shownHost = "127.0.0.1"
        case "::": shownHost = "[::1]"
        default: shownHost = host.contains(":") ? "[\(host)]" : host
        }
        let port = boundPort ?? self.port
        return (try? AbsoluteURL("http://\(shownHost):\(port)")) ?? (try! AbsoluteURL("http://127.0.0.1:\(port)"))
    }

    /// The server settings these options describe (without the signature check, which needs the key).
    public func serverConfiguration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.loopCount = threads
        configuration.limits = limits
        configuration.basicAuth = basicAuth
        configuration.allowedAddresses = allowedAddresses
        configuration.trustedProxies = trustedProxies
        configuration.stateFile = stateFile
        if let publicURL, let path = Self.path(of: publicURL), path != "/" {
            configuration.webhookPaths = [path]
        }
        return configuration
    }

    /// The path part of an absolute URL (`https://a.example/ivr?x` gives `/ivr`).
    static func path(of url: AbsoluteURL) -> String? {
        let text = url.text
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        var path = rest[slash...]
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        return String(path)
    }
}
