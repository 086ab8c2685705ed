/// Why a request could not be read; the connection answers ``status`` and closes.
struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which refusal this is (its status, metrics label and log policy).
    var refusal: Refusal
    /// One line saying what was wrong.
    var reason: String

    init(_ refusal: Refusal, _ reason: String) {
        self.refusal = refusal
        self.reason = reason
    }

    /// The status of the answer.
    var status: HTTPStatus { refusal.status }

    var description: String { "\(status.code) \(reason)" }
}
