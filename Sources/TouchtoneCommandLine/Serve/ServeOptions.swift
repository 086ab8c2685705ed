import Touchtone
import TouchtoneServer

/// The settings of `touchtone serve`, from flags and `TOUCHTONE_*` environment variables (flags
/// win); each is declared once in ``table``, its default here.
///
/// ```swift
/// let options = try ServeOptions.table.parse(["--port", "8080"], environment: ["TOUCHTONE_LOG_FORMAT": "json"]).options
/// let server = FlowServer(configuration: options.serverConfiguration(), engine: engine)
/// ```
public struct ServeOptions: Sendable {
    /// Whether pushes must carry a valid `X-Sipgate-Signature`.
    public enum SignatureMode: String, Sendable, Hashable, CaseIterable {
        /// Pushes are accepted without checking a signature (the default).
        case off
        /// A push whose `X-Sipgate-Signature` is missing or does not match its body is refused
        /// (RSA, sipgate's key or `--signature-key`).
        case verify
    }

    /// Which flows to serve.
    public enum FlowSelection: String, Sendable, Hashable, CaseIterable {
        /// The routing table the command line was given.
        case all
        /// The benchmark's ``ReferenceFlow``, for every call.
        case reference
    }

    /// `--host`: the address to listen on.
    public var host = "127.0.0.1"
    /// `--port`: the TCP port (0 picks a free one).
    public var port = 3000
    /// `--public-url`; `nil` means `http://HOST:PORT`.
    public var publicURL: AbsoluteURL?
    /// `--audio`: the folder of prompts.
    public var audioDirectory = "Audio"
    /// `--session-ttl`: a call idle this long is forgotten.
    public var sessionTTL: Duration = .seconds(2 * 60 * 60)
    /// `--max-sessions`: most calls at once.
    public var maxSessions = 1_000_000
    /// `--basic-auth`: credentials pushes and `/metrics` need.
    public var basicAuth: BasicCredentials?
    /// `--signature`: whether pushes must carry a valid sipgate signature (`.off` by default).
    public var signature: SignatureMode = .off
    /// `--signature-key`: a PEM file; `nil` means sipgate's published push key.
    public var signatureKeyFile: String?
    /// `--allow-ip`: the only sources that may push (empty: any).
    public var allowedAddresses: [AddressRange] = []
    /// `--trusted-proxy`: peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressRange] = []
    /// `--state-file`: where sessions are saved on shutdown and restored from on start.
    public var stateFile: String?
    /// `--session-store`: `memory`, or Redis/Valkey shared by every instance.
    package var sessionStore: SessionStoreChoice = .memory
    /// `--session-store-prefix`: put before every session key in Redis.
    public var sessionStorePrefix = "touchtone:"
    /// `--session-store-wait`: how long start-up waits for Redis.
    public var sessionStoreWait: Duration = .seconds(30)
    /// `--log-format`.
    public var logFormat: LogFormat = .text
    /// `--flows`.
    public var flows: FlowSelection = .all
    /// `--event-backend`: what the event loops wait with.
    public var eventBackend: EventBackend = .standard(environment: [:])
    /// `--threads`: event loops; 0 means `FlowServer.defaultLoopCount(cores:)`.
    public var threads = 0
    /// The limit and timeout flags.
    public var limits = ServerLimits()

    /// The defaults.
    public init() {}

    /// Every option of `touchtone serve`: parser, environment variables and `--help` in one.
    public static let table = OptionTable(
        command: "touchtone serve",
        about: """
            Serves the flows of the routing table to sipgate.io: POST / takes every push,
            GET /audio/NAME.wav serves prompts, GET /healthz and GET /metrics report health
            and counters.
            """,
        defaults: ServeOptions(),
        options: [
            .value("host", .hostName, at: \.host, help: "address to listen on", note: "0.0.0.0 for all"),
            .value("port", .integer(0...65535, placeholder: "PORT"), at: \.port, help: "TCP port", note: "0 picks a free one"),
            .value(
                "public-url", .absoluteURL, at: \.publicURL,
                help: "where sipgate reaches this server; callbacks and prompts point there", defaultText: "http://HOST:PORT"),
            .value("audio", .folder, at: \.audioDirectory, help: "folder of the WAV prompts served under /audio/"),
            .value(
                "session-ttl", .duration(atLeast: .seconds(1)), at: \.sessionTTL, help: "forget a call idle this long",
                note: "e.g. 90s, 15m"),
            .value("max-sessions", .integer(1...100_000_000), at: \.maxSessions, help: "most calls at once"),
            .value("basic-auth", .credentials, at: \.basicAuth, help: "require these credentials on pushes and /metrics"),
            .value("signature", .choice, at: \.signature, help: "check X-Sipgate-Signature on every push"),
            .value(
                "signature-key", .path("PEM-FILE", naming: "a PEM file"), at: \.signatureKeyFile,
                help: "public key for --signature verify", defaultText: "sipgate's push key"),
            .values("allow-ip", .addressRange, at: \.allowedAddresses, help: "accept pushes only from here"),
            .values("trusted-proxy", .addressRange, at: \.trustedProxies, help: "believe X-Forwarded-For from this peer"),
            .value(
                "state-file", .path("PATH", naming: "a file"), at: \.stateFile,
                help: "save sessions here on shutdown, restore them on start"),
            .value(
                "session-store", .sessionStore, at: \.sessionStore,
                help: "where calls live: memory, or Redis/Valkey shared by all instances", note: "redis://[user:password@]host:port[/db]"),
            .value("session-store-prefix", .keyPrefix, at: \.sessionStorePrefix, help: "put before every session key in Redis"),
            .value(
                "session-store-wait", .duration(atLeast: .zero), at: \.sessionStoreWait,
                help: "how long start-up tries to reach Redis before giving up"),
            .value("log-format", .choice, at: \.logFormat, help: "one line per push"),
            .value("flows", .choice, at: \.flows, help: "all: the routing table; reference: the benchmark's reference flow"),
            .value(
                "event-backend", .choice, at: \.eventBackend, help: "what the event loops wait with (poll is portable, epoll faster)",
                defaultText: "epoll on Linux, poll elsewhere"),
            .value(
                "threads", .integer(0...256), at: \.threads, help: "event loops",
                defaultText: "one per core less one, at least 1"),
            .value(
                "max-header-bytes", .integer(256...1_048_576), at: \.limits.maxHeaderBytes, help: "request line and headers, beyond: 431"),
            .value("max-body-bytes", .integer(256...16_777_216), at: \.limits.maxBodyBytes, help: "request body, beyond: 413"),
            .value("max-connections", .integer(1...1_000_000), at: \.limits.maxConnections, help: "open connections, beyond: 503"),
            .value("request-timeout", .duration(), at: \.limits.requestTimeout, help: "time to send one request, beyond: 408 and close"),
            .value("idle-timeout", .duration(), at: \.limits.idleTimeout, help: "close keep-alive connections idle this long"),
            .value("shutdown-grace", .duration(atLeast: .zero), at: \.limits.shutdownGrace, help: "time requests in flight get on SIGTERM"),
        ],
        environmentPrefix: "TOUCHTONE_",
        rules: [
            { $0.signatureKeyFile != nil && $0.signature == .off ? "--signature-key needs --signature verify" : nil },
            { options in
                guard options.stateFile != nil, case .redis = options.sessionStore else { return nil }
                return "--state-file is for the memory store: with --session-store redis://..., Redis keeps the calls"
            },
        ])

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
        configuration.eventBackend = eventBackend
        configuration.limits = limits
        configuration.basicAuth = basicAuth
        configuration.allowedAddresses = allowedAddresses
        configuration.trustedProxies = trustedProxies
        configuration.stateFile = stateFile
        if case .redis(var settings) = sessionStore {
            settings.keyPrefix = sessionStorePrefix
            settings.sessionTTL = sessionTTL
            settings.startupWait = sessionStoreWait
            configuration.sessionStore = .redis(settings)
        }
        if let publicURL, let path = Self.path(of: publicURL), path != "/" {
            configuration.webhookPaths = [path]
        }
        return configuration
    }

    /// The path part of an absolute URL, without query and fragment (`https://a.example/ivr?x`
    /// gives `/ivr`, `https://a.example?x/y` gives `/`).
    static func path(of url: AbsoluteURL) -> String? {
        guard let schemeEnd = url.text.firstRange(of: "://") else { return nil }
        let rest = url.text[schemeEnd.upperBound...]
        guard let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }), rest[authorityEnd] == "/" else {
            return "/"
        }
        return String(rest[authorityEnd...].prefix { $0 != "?" && $0 != "#" })
    }
}

extension OptionValue where Value == String {
    /// An address or host name: printable ASCII without spaces or `/`, at most 253 bytes.
    static var hostName: Self {
        Self(placeholder: "ADDRESS", mustBe: "an address or host name") { host in
            let printable = host.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }
            return !host.isEmpty && host.utf8.count <= 253 && printable ? host : nil
        }
    }
}

extension OptionValue where Value == AbsoluteURL {
    /// An absolute `http` or `https` URL.
    static var absoluteURL: Self {
        Self(placeholder: "URL", mustBe: "an absolute http(s) URL", show: \.text) { try? AbsoluteURL($0) }
    }
}

extension OptionValue where Value == BasicCredentials {
    /// `USER:PASSWORD`; the error never repeats the text, which holds a password.
    static var credentials: Self {
        Self(
            placeholder: "USER:PASSWORD",
            read: { text in BasicCredentials(text).flatMap { $0.password.isEmpty ? nil : $0 } },
            problem: { source, _ in "\(source) must be USER:PASSWORD with both parts non-empty" })
    }
}

extension OptionValue where Value == AddressRange {
    /// An IP address or a CIDR block.
    static var addressRange: Self {
        Self(
            placeholder: "ADDRESS[/PREFIX]", read: { AddressRange($0) },
            problem: { source, text in "\(source): \(UsageError.quoted(text)) is not an IP address or CIDR block" })
    }
}

extension OptionValue where Value == SessionStoreChoice {
    /// `memory` or a `redis://` URL; the error never repeats the text, which may hold a password.
    static var sessionStore: Self {
        Self(
            placeholder: "memory|URL",
            read: { text in
                if text == "memory" { return .memory }
                return (try? RedisURL(parsing: text)).map { .redis(RedisSessionSettings(url: $0)) }
            },
            problem: { source, text in
                guard text != "memory" else { return "\(source) must be memory or redis://[user:password@]host:port[/db]" }
                do throws(RedisURLError) {
                    _ = try RedisURL(parsing: text)
                    return "\(source) must be memory or redis://[user:password@]host:port[/db]"
                } catch {
                    return "\(source): \(error.reason)"
                }
            })
    }
}

extension OptionValue where Value == String {
    /// A Redis key prefix: printable ASCII without spaces or braces (a brace would break the hash tag).
    static var keyPrefix: Self {
        Self(placeholder: "PREFIX", mustBe: "printable ASCII without spaces or braces, at most 64 bytes") { prefix in
            let printable = prefix.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "}") }
            return prefix.utf8.count <= 64 && printable ? prefix : nil
        }
    }
}
