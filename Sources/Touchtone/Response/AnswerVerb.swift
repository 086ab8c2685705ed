/// The verb that ends an answer, for logs and metrics.
public enum AnswerVerb: String, Sendable, CaseIterable {
    /// How the answer ends; the raw value is the name. `gather`, `dial` (to numbers), `voicemail` (a `Dial` to voicemail),
    /// `reject` and `hangup` name the final verb; `play` is plays without one, `empty` an empty `<Response/>`.
    case gather, dial, voicemail, reject, hangup, play, empty

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
