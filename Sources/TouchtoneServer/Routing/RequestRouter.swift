import Touchtone

/// Turns one parsed request into a response: routing, access checks, the engine, audio.
///
/// Runs on the event loop thread that read the request; everything here is synchronous
/// and never blocks (audio is served from memory).
final class RequestRouter: Sendable {
    /// What to do with a request.
    enum Outcome {
        /// Send this answer.
        case answer(Answer)
        /// Run the engine's async step off the loop, then answer with ``complete(_:record:)``.
        case lookup(PendingLookup, EventRecord)
        /// Run the push's work on the shared session store, then answer with its reply.
        case session(SessionWork)
    }

    let engine: Engine
    let audio: AudioLibrary
    /// Read-outs and multi-part prompts joined from the audio folder.
    let composed: ComposedAudio
    let access: AccessControl
    let webhookPaths: Set<String>
    let audioPrefixes: [String]
    let metrics: @Sendable () -> String
    /// Sessions live in a shared store the loops talk to: pushes are planned, not handled here.
    let sharedSessions: Bool
    /// Why the server cannot answer calls properly now (the session store is unreachable), or nil.
    let trouble: @Sendable () -> String?

    init(
        engine: Engine, audio: AudioLibrary, configuration: ServerConfiguration, metrics: @escaping @Sendable () -> String,
        trouble: @escaping @Sendable () -> String? = { nil }
    ) {
        self.engine = engine
        if case .memory = configuration.sessionStore { sharedSessions = false } else { sharedSessions = true }
        self.trouble = trouble
        self.audio = audio
        self.composed = ComposedAudio(library: audio)
        self.access = AccessControl(configuration: configuration)
        var paths: Set<String> = ["/"]
        var prefixes = ["/audio/"]
        for extra in configuration.webhookPaths where extra.hasPrefix("/") {
            paths.insert(extra)
            let base = extra.hasSuffix("/") ? String(extra.dropLast()) : extra
            if !base.isEmpty {
                paths.insert(base)
                paths.insert(base + "/")
                prefixes.append(base + "/audio/")
            }
        }
        webhookPaths = paths
        audioPrefixes = prefixes
        self.metrics = metrics
    }

    /// The answer to `request` from `peer`, or the look-up that will make it.
    func route(_ request: HTTPRequest, peer: IPAddress) -> Outcome {
        let path = request.path
        if webhookPaths.contains(path) {
            guard request.method == "POST" else {
                return refuse(.method, "pushes are POSTed here", headers: [("Allow", "POST")])
            }
            return push(request, peer: peer)
        }
        if path == "/healthz" {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.method, "use GET", headers: [("Allow", "GET, HEAD")])
            }
            // A load balancer takes an instance that cannot reach its session store out of rotation.
            var response = trouble().map { HTTPResponse.text(.serviceUnavailable, $0) } ?? HTTPResponse.text(.ok, "ok")
            response.omitBody = request.method == "HEAD"
            return .answer(.served(response))
        }
        if path == "/metrics" {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.method, "use GET", headers: [("Allow", "GET, HEAD")])
            }
            if let refused = checkAccess(request, peer: peer) { return refused }
            let response = HTTPResponse(
                status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Array(metrics().utf8), omitBody: request.method == "HEAD")
            return .answer(.served(response))
        }
        for prefix in audioPrefixes where path.hasPrefix(prefix) {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.method, "use GET", headers: [("Allow", "GET, HEAD")])
            }
            return serveAudio(name: String(path.dropFirst(prefix.count)), request: request)
        }
        return refuse(.notFound, "no such resource")
    }

    /// The answer to a push whose look-up ended: made here like every other answer.
    func complete(_ answer: PushAnswer, record: EventRecord) -> Answer {
        Answer(response: Self.xml(answer), kind: .push(record))
    }

    /// The answer to a request the loop refuses before routing it (unreadable, too slow, one
    /// connection too many).
    func refusal(_ refusal: Refusal, _ detail: String) -> Answer {
        .refusal(refusal, detail)
    }

    private func refuse(
        _ refusal: Refusal, _ detail: String, logged: String? = nil,
        headers: [(name: String, value: String)] = []
    ) -> Outcome {
        .answer(.refusal(refusal, detail, logged: logged, headers: headers))
    }

    /// Source address and Basic credentials; `nil` when the request may pass.
    private func checkAccess(_ request: HTTPRequest, peer: IPAddress) -> Outcome? {
        let client = access.clientAddress(peer: peer, headers: request.headers)
        guard access.isAllowed(client) else {
            return refuse(.address, "source address \(client) is not allowed")
        }
        switch access.checkBasic(request.headers) {
        case .ok:
            return nil
        case .missing:
            return refuse(.authMissing, "credentials required", headers: [AccessControl.challengeHeader])
        case .wrong:
            return refuse(.authWrong, "wrong credentials", headers: [AccessControl.challengeHeader])
        }
    }

    private func push(_ request: HTTPRequest, peer: IPAddress) -> Outcome {
        if let refused = checkAccess(request, peer: peer) { return refused }
        guard Self.isFormContentType(request.headers["content-type"]) else {
            return refuse(.contentType, "Content-Type must be application/x-www-form-urlencoded")
        }
        switch access.checkSignature(request) {
        case .ok:
            break
        case .missing:
            return refuse(.signatureMissing, "X-Sipgate-Signature missing")
        case .invalid:
            return refuse(.signatureInvalid, "X-Sipgate-Signature does not match the body")
        }
        let address = Self.address(of: request)
        if sharedSessions {
            switch engine.plan(body: request.body, address: address) {
            case .work(let work): return .session(work)
            case .reply(let reply): return outcome(of: reply)
            }
        }
        return outcome(of: engine.handle(body: request.body, address: address))
    }

    private func outcome(of reply: EngineReply) -> Outcome {
        switch reply {
        case .answer(let response, let record):
            return .answer(complete(response, record: record))
        case .lookup(let pending, let record):
            return .lookup(pending, record)
        case .refused(let error):
            // The reason may quote the pushed value, keys of a PIN among them: the log names the field only.
            return refuse(.badPush, "bad push: \(error.description)", logged: "bad push: \(error.field)")
        }
    }

    static func xml(_ answer: PushAnswer) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: xmlHeaders, written: xmlHead, content: .answer(answer))
    }

    /// The flow and turn the push's URL names (`?f=main&t=3`).
    static func address(of request: HTTPRequest) -> PushAddress {
        let target = request.target.utf8
        guard let question = target.firstIndex(of: UInt8(ascii: "?")) else { return PushAddress() }
        return PushAddress(query: target[target.index(after: question)...])
    }

    private static let xmlHeaders: [(name: String, value: String)] = [("Content-Type", "application/xml; charset=utf-8")]
    private static let xmlHead = HTTPResponseWriter.statusAndFields(.ok, xmlHeaders)

    /// `application/x-www-form-urlencoded`, any case, parameters (charset) allowed.
    static func isFormContentType(_ value: String?) -> Bool {
        guard var value else { return false }
        // Byte by byte over the contiguous UTF-8: this runs on every push, and splitting a
        // String walks its grapheme clusters.
        return value.withUTF8 { bytes in
            let mediaType = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: ASCII.semicolon) ?? bytes.count)])
            return ASCII.equalsIgnoringCase(ASCII.trimmingBlanks(mediaType), "application/x-www-form-urlencoded")
        }
    }

    private func serveAudio(name path: String, request: HTTPRequest) -> Outcome {
        // `de/NAME.wav`, `de/compose/a,b.wav`: a language's prompts; the code is checked before use.
        var name = path
        var language: String?
        if let slash = path.firstIndex(of: "/"), Language.isValid(String(path[..<slash])) {
            language = String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        }
        let file: AudioLibrary.File?
        if name.hasPrefix(ComposedPrompt.folder + "/") {
            let composedName = String(name.dropFirst(ComposedPrompt.folder.count + 1))
            guard ComposedPrompt.prompts(inFileName: composedName) != nil else {
                return refuse(.audioName, "no such prompt")
            }
            file = composed.file(named: composedName, language: language)
        } else {
            guard AudioLibrary.isServableName(name) else {
                return refuse(.audioName, "no such prompt")
            }
            file = audio.file(named: language.map { $0 + "/" + name } ?? name)
        }
        guard let file else {
            return refuse(.notFound, "no such prompt")
        }
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "audio/wav"), ("ETag", file.etag), ("Cache-Control", "public, max-age=300"),
        ]
        if let condition = request.headers["if-none-match"], Self.matches(condition, etag: file.etag) {
            return .answer(.served(HTTPResponse(status: .notModified, headers: Array(headers.dropFirst()))))
        }
        return .answer(.served(HTTPResponse(status: .ok, headers: headers, body: file.bytes, omitBody: request.method == "HEAD")))
    }

    static func matches(_ condition: String, etag: String) -> Bool {
        for candidate in condition.split(separator: ",") {
            var tag = candidate.trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag[...] { return true }
        }
        return false
    }
}
