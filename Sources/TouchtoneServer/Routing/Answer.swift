import Touchtone

/// One answer the server sends, and what it tells the counters and the log: every answer,
/// immediate or after a look-up, made by the ``RequestRouter`` and accounted for by
/// ``ServerCore/account(_:loop:path:peer:microseconds:)``.
struct Answer: Sendable {
    /// What kind of answer it is.
    enum Kind: Sendable {
        /// The engine's answer to a push, with the record its log line and counts come from.
        case push(EventRecord)
        /// A refusal, and the one line its log says (if the refusal is logged).
        case refused(Refusal, detail: String)
        /// Anything else: health, metrics, audio.
        case served
    }

    var response: HTTPResponse
    var kind: Kind

    /// The refusal's answer: its status and `detail` as plain text; the log says `logged`,
    /// or the same when it is nil (a detail that quotes what the client sent is for the client,
    /// not for the log).
    static func refusal(
        _ refusal: Refusal, _ detail: String, logged: String? = nil,
        headers: [(name: String, value: String)] = []
    ) -> Answer {
        Answer(response: .text(refusal.status, detail, headers: headers), kind: .refused(refusal, detail: logged ?? detail))
    }

    /// An answer that is neither a push nor a refusal.
    static func served(_ response: HTTPResponse) -> Answer {
        Answer(response: response, kind: .served)
    }
}
