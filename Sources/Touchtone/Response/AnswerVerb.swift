/// The verb that ends an answer, for logs and metrics.
public enum AnswerVerb: String, Sendable, CaseIterable {
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
