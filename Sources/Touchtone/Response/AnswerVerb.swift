/// The verb that ends an answer, for logs and metrics.
public enum AnswerVerb: String, Sendable, CaseIterable {
    /// Ends with a `Gather`: the call waits for keys.
    case gather
    /// Ends with a `Dial` to numbers: a transfer.
    case dial
    /// Ends with a `Dial` to voicemail.
    case voicemail
    /// Ends with a `Reject`.
    case reject
    /// Ends with a `Hangup`.
    case hangup
    /// Plays prompts and has no final verb.
    case play
    /// The empty `<Response/>`.
    case empty

    init(_ response: Response) {
        switch response.final {
        case .gather: self = .gather
        case .dial(let dial): self = dial.target == .voicemail ? .voicemail : .dial
        case .reject: self = .reject
        case .hangup: self = .hangup
        case nil: self = response.plays.isEmpty ? .empty : .play
        }
    }
}
