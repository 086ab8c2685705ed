import Dispatch
import Touchtone
import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `touchtone serve`: runs the flow server until SIGTERM or SIGINT.
enum ServeCommand: TableCommand {
    static let name = "serve"
    static let summary = "serve the flows to sipgate.io over HTTP"
    static var table: OptionTable<ServeOptions> { ServeOptions.table }

    static func run(_ parsed: ParsedArguments<ServeOptions>, _ invocation: Invocation) throws(UsageError) -> Int32 {
        var options = parsed.options
        let streams = invocation.streams
        if options.port == 0 && options.publicURL == nil {
            // Callbacks must name the real port, and the engine writes them from the start.
            do {
                options.port = try FlowServer.freePort(host: options.host)
            } catch {
                streams.printError("\(invocation.program) serve: cannot find a free port on \(options.host): \(error)")
                return 1
            }
        }
        var configuration = options.serverConfiguration()
        configuration.signatureVerifier = try makeSignatureVerifier(options)
        let engine: Engine
        do {
            engine = try makeEngine(options, routes: invocation.routes)
        } catch {
            streams.printError("\(invocation.program) serve: the flows have problems:")
            for problem in error.problems { streams.printError("  \(problem)") }
            return 1
        }
        let audio = AudioLibrary(directory: options.audioDirectory)
        let server = FlowServer(configuration: configuration, engine: engine, audio: audio, logger: EventLogger(format: options.logFormat))
        let signalSources = stopOnSignals(server, streams: streams, program: invocation.program)
        defer { for source in signalSources { source.cancel() } }
        let port: Int
        do {
            port = try server.start()
        } catch {
            streams.printError("\(invocation.program) serve: \(error)")
            return 1
        }
        streams.output(banner(options: options, engine: engine, audio: audio, port: port, program: invocation.program))
        server.waitUntilStopped()
        return 0
    }

    /// The engine for the flows `--flows` chose. The reference flow is compiled without
    /// looking for its prompt, so any package can serve it for a benchmark.
    static func makeEngine(_ options: ServeOptions, routes: RoutingTable) throws(FlowProblems) -> Engine {
        let store = InMemorySessionStore(idleTimeout: options.sessionTTL, maxSessions: options.maxSessions)
        let publicURL = options.effectivePublicURL()
        switch options.flows {
        case .all:
            let prompts = AudioFolder(path: options.audioDirectory)
            return try Engine(routes: routes, store: store, settings: EngineSettings(publicURL: publicURL, prompts: prompts))
        case .reference:
            return try Engine(routes: ReferenceFlow.routes, store: store, settings: EngineSettings(publicURL: publicURL))
        }
    }

    /// Signals are handled on a dispatch queue (never on Swift's concurrency pool): the first
    /// asks the server to stop gracefully, a second one ends the process at once.
    static func stopOnSignals(_ server: FlowServer, streams: StandardStreams, program: String) -> [any DispatchSourceSignal] {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "touchtone.signals")
        let count = SignalCounter()
        return [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if count.next() > 1 {
                    streams.printError("\(program) serve: stopping at once")
                    exit(1)
                }
                server.shutdown()
            }
            source.resume()
            return source
        }
    }

    /// What the server says when it listens: where, which flows, which callback URL.
    static func banner(options: ServeOptions, engine: Engine, audio: AudioLibrary, port: Int, program: String = "touchtone") -> String {
        let shownHost = options.host.contains(":") ? "[\(options.host)]" : options.host
        var lines = ["\(TouchtoneCommand.title(program)) listening on http://\(shownHost):\(port)"]
        lines.append("flows:")
        for route in engine.routeDescriptions { lines.append("  \(route)") }
        let callbacks = maskedURL(options.effectivePublicURL(boundPort: port).text)
        lines.append("callback URL (enter it in sipgate.io as incoming and outgoing URL): \(callbacks)")
        lines.append("prompts: \(audio.listNames().count) WAV files from \(options.audioDirectory)/")
        if options.eventBackend != .epoll { lines.append("event backend: \(options.eventBackend.rawValue)") }
        if options.basicAuth != nil { lines.append("basic auth: on") }
        if options.signature == .verify { lines.append("signature check: on") }
        if !options.allowedAddresses.isEmpty {
            lines.append("allowed sources: \(options.allowedAddresses.map(\.description).joined(separator: ", "))")
        }
        if let stateFile = options.stateFile { lines.append("state file: \(stateFile)") }
        if case .redis = options.sessionStore {
            lines.append("session store: \(options.sessionStore) (keys \(options.sessionStorePrefix){callId})")
        } else {
            lines.append("session store: memory (this process only)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The URL with any password replaced by `****`, so it can be printed.
    static func maskedURL(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return text }
        let userInfo = authority[..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1).first ?? ""
        return String(text[..<schemeEnd.upperBound]) + user + ":****" + authority[at...] + rest[authorityEnd...]
    }

    /// The RSA check for `--signature verify`, with `--signature-key` or sipgate's published key.
    static func makeSignatureVerifier(_ options: ServeOptions) throws(UsageError) -> SignatureVerifier? {
        guard options.signature == .verify else { return nil }
        let pem: String
        if let path = options.signatureKeyFile {
            guard let text = SmallFile(path: path, maxBytes: 64 * 1024).text else {
                throw UsageError("--signature-key: cannot read \(path)")
            }
            pem = text
        } else {
            pem = SignatureCheck.sipgatePushKeyPEM
        }
        let key: RSAPublicKey
        do {
            key = try RSAPublicKey(pem: pem)
        } catch {
            throw UsageError("--signature-key: \(error)")
        }
        return { body, signature in SignatureCheck.verify(body: body, signatureBase64: signature, key: key) }
    }
}

/// Counts signals; touched only on the signal queue.
final class SignalCounter: @unchecked Sendable {
    private var count = 0
    func next() -> Int {
        count += 1
        return count
    }
}
