import Touchtone

/// Turns one parsed request into a response: routing, access checks, the engine, audio.
///
/// Runs on the event loop thread that read the request; everything here is synchronous
/// and never blocks (audio is served from memory).
final class RequestRouter: Sendable {
    enum Outcome {
        /// Send this response. `record` is set for pushes, `refusal` names why a request was refused.
        case respond(HTTPResponse, record: EventRecord?, refusal: String?, authFailure: Bool)
        /// Run the engine's async step off the loop, then answer.
        case lookup(PendingLookup, EventRecord)
    }

    let engine: Engine
    let audio: AudioLibrary
    /// Read-outs and multi-part prompts joined from the audio folder.
    let composed: ComposedAudio
    let access: AccessControl
    let webhookPaths: Set<String>
    let audioPrefixes: [String]
    let metrics: @Sendable () -> String

    init(engine: Engine, audio: AudioLibrary, configuration: ServerConfiguration, metrics: @escaping @Sendable () -> String) {
        self.engine = engine
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

    func route(_ request: HTTPRequest, peer: IPAddress) -> Outcome {
        let path = request.path
        if webhookPaths.contains(path) {
            guard request.method == "POST" else {
                return refuse(.text(.methodNotAllowed, "pushes are POSTed here", headers: [("Allow", "POST")]), "method")
            }
            return push(request, peer: peer)
        }
        if path == "/healthz" {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.text(.methodNotAllowed, "use GET", headers: [("Allow", "GET, HEAD")]), "method")
            }
            var response = HTTPResponse.text(.ok, "ok")
            response.omitBody = request.method == "HEAD"
            return .respond(response, record: nil, refusal: nil, authFailure: false)
        }
        if path == "/metrics" {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.text(.methodNotAllowed, "use GET", headers: [("Allow", "GET, HEAD")]), "method")
            }
            if let refused = checkAccess(request, peer: peer) { return refused }
            let response = HTTPResponse(status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                        body: Array(metrics().utf8), omitBody: request.method == "HEAD")
            return .respond(response, record: nil, refusal: nil, authFailure: false)
        }
        for prefix in audioPrefixes where path.hasPrefix(prefix) {
            guard request.method == "GET" || request.method == "HEAD" else {
                return refuse(.text(.methodNotAllowed, "use GET", headers: [("Allow", "GET, HEAD")]), "method")
            }
            return serveAudio(name: String(path.dropFirst(prefix.count)), request: request)
        }
        return refuse(.text(.notFound, "no such resource"), "not_found")
    }

    private func refuse(_ response: HTTPResponse, _ reason: String, authFailure: Bool = false) -> Outcome {
        .respond(response, record: nil, refusal: reason, authFailure: authFailure)
    }

    /// Source address and Basic credentials; `nil` when the request may pass.
    private func checkAccess(_ request: HTTPRequest, peer: IPAddress) -> Outcome? {
        let client = access.clientAddress(peer: peer, headers: request.headers)
        guard access.isAllowed(client) else {
            return refuse(.text(.forbidden, "source address \(client) is not allowed"), "address")
        }
        switch access.checkBasic(request.headers) {
        case .ok:
            return nil
        case .missing:
            return refuse(.text(.unauthorized, "credentials required", headers: [AccessControl.challengeHeader]), "auth_missing", authFailure: true)
        case .wrong:
            return refuse(.text(.unauthorized, "wrong credentials", headers: [AccessControl.challengeHeader]), "auth_wrong", authFailure: true)
        }
    }

    private func push(_ request: HTTPRequest, peer: IPAddress) -> Outcome {
        if let refused = checkAccess(request, peer: peer) { return refused }
        guard Self.isFormContentType(request.headers["content-type"]) else {
            return refuse(.text(.unsupportedMediaType, "Content-Type must be application/x-www-form-urlencoded"), "content_type")
        }
        switch access.checkSignature(request) {
        case .ok:
            break
        case .missing:
            return refuse(.text(.forbidden, "X-Sipgate-Signature missing"), "signature_missing", authFailure: true)
        case .invalid:
            return refuse(.text(.forbidden, "X-Sipgate-Signature does not match the body"), "signature_invalid", authFailure: true)
        }
        switch engine.handle(body: request.body) {
        case .answer(let response, let record):
            return .respond(Self.xml(response), record: record, refusal: nil, authFailure: false)
        case .lookup(let pending, let record):
            return .lookup(pending, record)
        case .refused(let error):
            return refuse(.text(.badRequest, "bad push: \(error.description)"), "bad_push")
        }
    }

    static func xml(_ response: Response) -> HTTPResponse {
        // An answer rendered in advance is shared, not copied.
        HTTPResponse(status: .ok, headers: xmlHeaders, written: xmlHead, body: response.xmlBytes)
    }

    private static let xmlHeaders: [(name: String, value: String)] = [("Content-Type", "application/xml; charset=utf-8")]
    private static let xmlHead = HTTPResponseWriter.statusAndFields(.ok, xmlHeaders)

    /// `application/x-www-form-urlencoded`, any case, parameters (charset) allowed.
    static func isFormContentType(_ value: String?) -> Bool {
        guard var value else { return false }
        // Byte by byte over the contiguous UTF-8: this runs on every push, and splitting a
        // String walks its grapheme clusters.
        return value.withUTF8 { bytes in
            var start = 0
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            return ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[start..<end]),
                                                        "application/x-www-form-urlencoded")
        }
    }

    private func serveAudio(name: String, request: HTTPRequest) -> Outcome {
        let file: AudioLibrary.File?
        if name.hasPrefix(ComposedPrompt.folder + "/") {
            let composedName = String(name.dropFirst(ComposedPrompt.folder.count + 1))
            guard ComposedPrompt.prompts(inFileName: composedName) != nil else {
                return refuse(.text(.notFound, "no such prompt"), "audio_name")
            }
            file = composed.file(named: composedName)
        } else {
            guard AudioLibrary.isServableName(name) else {
                return refuse(.text(.notFound, "no such prompt"), "audio_name")
            }
            file = audio.file(named: name)
        }
        guard let file else {
            return refuse(.text(.notFound, "no such prompt"), "not_found")
        }
        let headers: [(name: String, value: String)] = [("Content-Type", "audio/wav"), ("ETag", file.etag), ("Cache-Control", "public, max-age=300")]
        if let condition = request.headers["if-none-match"], Self.matches(condition, etag: file.etag) {
            return .respond(HTTPResponse(status: .notModified, headers: Array(headers.dropFirst())), record: nil, refusal: nil, authFailure: false)
        }
        return .respond(HTTPResponse(status: .ok, headers: headers, body: file.bytes, omitBody: request.method == "HEAD"),
                        record: nil, refusal: nil, authFailure: false)
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
