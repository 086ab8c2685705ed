import Dispatch
import Flows
import Touchtone
import TouchtoneServer
#if canImport(Glibc)
import Glibc
#endif

/// `touchtone serve`: runs the flow server until SIGTERM or SIGINT.
enum ServeCommand {
    static let subcommand = Subcommand(name: "serve", summary: "serve the flows of Flows/ to sipgate.io over HTTP", run: run)

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        var options: ServeOptions
        do {
            options = try ServeOptions.parse(arguments, environment: environment)
        } catch {
            CommandLineTool.printError("touchtone serve: \(error.message) (see touchtone serve --help)")
            return 2
        }
        if options.help {
            print(ServeOptions.help, terminator: "")
            return 0
        }
        if options.port == 0 && options.publicURL == nil {
            // Callbacks must name the real port, and the engine writes them from the start.
            do {
                options.port = try FlowServer.freePort(host: options.host)
            } catch {
                CommandLineTool.printError("touchtone serve: cannot find a free port on \(options.host): \(error)")
                return 1
            }
        }
        var configuration = options.serverConfiguration()
        do {
            configuration.signatureVerifier = try makeSignatureVerifier(options)
        } catch {
            CommandLineTool.printError("touchtone serve: \(error.message)")
            return 2
        }

        let store = InMemorySessionStore(idleTimeout: options.sessionTTL, maxSessions: options.maxSessions)
        let audioFolder = AudioFolder(path: options.audioDirectory)
        let publicURL = options.effectivePublicURL()
        let engine: Engine
        do {
            engine = try Engine(routes: options.flows == "reference" ? Flows.referenceRoutes : Flows.routes, store: store,
                                settings: EngineSettings(publicURL: publicURL, prompts: audioFolder))
        } catch {
            CommandLineTool.printError("touchtone serve: the flows have problems:")
            for problem in error.problems { CommandLineTool.printError("  \(problem)") }
            return 1
        }
        let audio = AudioLibrary(directory: options.audioDirectory)
        let logger = EventLogger(format: options.logFormat)
        let server = FlowServer(configuration: configuration, engine: engine, audio: audio, logger: logger)

        // Signals are handled on a dispatch queue (never on Swift's concurrency pool): the
        // first asks the server to stop gracefully, a second one ends the process at once.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let signalQueue = DispatchQueue(label: "touchtone.signals")
        let signalCount = SignalCounter()
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler {
                if signalCount.next() > 1 {
                    CommandLineTool.printError("touchtone serve: stopping at once")
                    exit(1)
                }
                server.shutdown()
            }
            source.resume()
            return source
        }

        let port: Int
        do {
            port = try server.start()
        } catch {
            CommandLineTool.printError("touchtone serve: \(error)")
            return 1
        }
        printBanner(options: options, engine: engine, audio: audio, port: port)
        server.waitUntilStopped()
        sources.forEach { $0.cancel() }
        return 0
    }

    private static func printBanner(options: ServeOptions, engine: Engine, audio: AudioLibrary, port: Int) {
        let shownHost = options.host.contains(":") ? "[\(options.host)]" : options.host
        var lines = ["touchtone \(CommandLineTool.version) listening on http://\(shownHost):\(port)"]
        lines.append("flows:")
        for route in engine.routeDescriptions { lines.append("  \(route)") }
        let callbacks = maskedURL(options.effectivePublicURL(boundPort: port).text)
        lines.append("callback URL (enter it in sipgate.io as incoming and outgoing URL): \(callbacks)")
        lines.append("prompts: \(audio.listNames().count) WAV files from \(options.audioDirectory)/")
        if options.basicAuth != nil { lines.append("basic auth: on") }
        if options.signature == .verify { lines.append("signature check: on") }
        if !options.allowedAddresses.isEmpty { lines.append("allowed sources: \(options.allowedAddresses.map(\.description).joined(separator: ", "))") }
        if let stateFile = options.stateFile { lines.append("state file: \(stateFile)") }
        print(lines.joined(separator: "\n"))
        fflush(nil)
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
    private static func makeSignatureVerifier(_ options: ServeOptions) throws(UsageError) -> SignatureVerifier? {
        guard options.signature == .verify else { return nil }
        let pem: String
        if let path = options.signatureKeyFile {
            guard let text = readSmallTextFile(path, maxBytes: 64 * 1024) else {
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

    private static func readSmallTextFile(_ path: String, maxBytes: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count <= maxBytes {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            count += n
        }
        guard count <= maxBytes else { return nil }
        return String(decoding: bytes[0..<count], as: UTF8.self)
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
