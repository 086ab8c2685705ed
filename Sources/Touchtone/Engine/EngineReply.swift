/// The engine's answer to one push.
public enum EngineReply: Sendable {
    /// Answer at once.
    case answer(PushAnswer, EventRecord)
    /// The call reached an async step: run ``PendingLookup/run()`` (off the event loop)
    /// and answer with what it returns. It never takes longer than the step's deadline.
    case lookup(PendingLookup, EventRecord)
    /// The body was not a valid push: answer 400 with the error's description.
    case refused(PushDecodingError)
}

extension EngineReply {
    /// The final verb of an answer (read without copying the record).
    var answerVerb: AnswerVerb? {
        switch self {
        // The record has it already (``Engine/answer(_:_:)`` set it).
        case .answer(_, let record): record.answerVerb
        case .lookup, .refused: nil
        }
    }
}
