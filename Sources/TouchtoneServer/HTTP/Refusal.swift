/// Every reason the server refuses a request, with what each one means for the answer,
/// the counters and the log: the one place these facts are written.
///
/// The parser's errors carry one (``HTTPParseError/refusal``), the router returns one, the
/// event loop makes the ones only it sees (``requestTimeout``, ``tooManyConnections``).
enum Refusal: Sendable, Hashable, CaseIterable {
    // The request could not be read: the answer is the connection's last. A lingering close
    // follows it (see ``Connection``), except for one connection too many, which is
    // answered and closed before anything is read.
    /// Malformed request line, header field, chunk or framing (400).
    case badRequest
    /// The body is longer than the limit (413).
    case contentTooLarge
    /// `Expect` other than `100-continue` (417).
    case expectationFailed
    /// The head is longer, or has more fields, than the limits (431).
    case headersTooLarge
    /// A transfer coding other than `chunked` (501).
    case transferEncoding
    /// Not HTTP/1.0 or HTTP/1.1 (505).
    case httpVersion
    /// The request did not arrive whole within the request timeout (408).
    case requestTimeout
    /// Accepted beyond the connection limit (503, before reading anything).
    case tooManyConnections

    // The request was read: the connection stays open if the client wants it.
    /// The path exists, the method is not served there (405).
    case method
    /// No such path, or no such prompt in the audio folder (404).
    case notFound
    /// A prompt name that could never be served (404).
    case audioName
    /// The source address is not on the allow-list (403).
    case address
    /// Basic credentials required but not sent (401).
    case authMissing
    /// Basic credentials sent but wrong (401).
    case authWrong
    /// A push that is not `application/x-www-form-urlencoded` (415).
    case contentType
    /// A signature is required but missing (403).
    case signatureMissing
    /// The signature does not match the body (403).
    case signatureInvalid
    /// The body is not a push the engine understands (400).
    case badPush

    /// The status the answer carries.
    var status: HTTPStatus {
        switch self {
        case .badRequest, .badPush: return .badRequest
        case .contentTooLarge: return .contentTooLarge
        case .expectationFailed: return .expectationFailed
        case .headersTooLarge: return .headersTooLarge
        case .transferEncoding: return .notImplemented
        case .httpVersion: return .versionNotSupported
        case .requestTimeout: return .requestTimeout
        case .tooManyConnections: return .serviceUnavailable
        case .method: return .methodNotAllowed
        case .notFound, .audioName: return .notFound
        case .address, .signatureMissing, .signatureInvalid: return .forbidden
        case .authMissing, .authWrong: return .unauthorized
        case .contentType: return .unsupportedMediaType
        }
    }

    /// The `reason` label of `touchtone_refused_total` (these strings are part of `/metrics`).
    var label: String {
        switch self {
        case .badRequest: return "bad_request"
        case .contentTooLarge: return "body_too_large"
        case .expectationFailed: return "expectation"
        case .headersTooLarge: return "headers_too_large"
        case .transferEncoding: return "transfer_encoding"
        case .httpVersion: return "http_version"
        case .requestTimeout: return "request_timeout"
        case .tooManyConnections: return "connections"
        case .method: return "method"
        case .notFound: return "not_found"
        case .audioName: return "audio_name"
        case .address: return "address"
        case .authMissing: return "auth_missing"
        case .authWrong: return "auth_wrong"
        case .contentType: return "content_type"
        case .signatureMissing: return "signature_missing"
        case .signatureInvalid: return "signature_invalid"
        case .badPush: return "bad_push"
        }
    }

    /// Whether a refusal gets a log line. Not the ones a scanner or a flood makes by the
    /// thousand (unknown paths, silent or slow connections, connections past the limit):
    /// their counter says enough, and a log must not be flooded at an attacker's pace.
    var isLogged: Bool {
        switch self {
        case .notFound, .requestTimeout, .tooManyConnections: return false
        default: return true
        }
    }

    /// Whether a request (at least its head) was read: counted in
    /// `touchtone_http_requests_total`. Not a connection refused before anything was read,
    /// nor a request that never arrived whole.
    var answersARequest: Bool {
        switch self {
        case .tooManyConnections, .requestTimeout: return false
        default: return true
        }
    }

    /// Counted in `touchtone_auth_failures_total`: missing or wrong credentials or signatures.
    var isAuthFailure: Bool {
        switch self {
        case .authMissing, .authWrong, .signatureMissing, .signatureInvalid: return true
        default: return false
        }
    }
}
