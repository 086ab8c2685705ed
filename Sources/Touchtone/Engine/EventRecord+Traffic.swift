import FoundationEssentials

// What a record says about the call's way through its flow: the edges, where and how the
// call ended, how long it waited, its look-up's time and its A/B shares. The log line and
// `/metrics` count from these fields, so the two cannot disagree.
extension EventRecord {
    /// Notes the end of the flow's part in the call, by a step that ended it: how (from the
    /// answer's verb) and in which state.
    mutating func noteEnding(answer: Response, at state: UInt16) {
        guard let how = CallEnding(answer.verb) else { return }
        ending = how
        endingStateIndex = state
    }

    /// Notes that the call ended without the flow ending it (the caller hung up, or the
    /// session expired) in `state`, unless the flow had ended it already (`phase`).
    mutating func noteEndingWithoutFlow(_ how: CallEnding, phase: Session.Phase, state: UInt16) {
        guard phase != .finished else { return }
        ending = how
        endingStateIndex = state
    }

    /// Notes how long the call had been waiting since its last push.
    mutating func noteWaited(since last: Date, now: Date) {
        waitedMilliseconds = Self.milliseconds(from: last, to: now)
    }

    /// Whole milliseconds from `start` to `end`, never negative (a clock that stepped back).
    static func milliseconds(from start: Date, to end: Date) -> Int {
        let seconds = end.timeIntervalSince(start)
        return seconds > 0 ? Int((seconds * 1000).rounded()) : 0
    }
}

extension CallEnding {
    /// The ending a final verb makes; nil for a verb that does not end the flow's part.
    init?(_ verb: AnswerVerb) {
        switch verb {
        case .dial: self = .transfer
        case .voicemail: self = .voicemail
        case .reject: self = .reject
        case .hangup: self = .hangup
        case .gather, .play, .empty: return nil
        }
    }
}

extension CompiledFlow {
    /// The A/B shares a call with `variables` is in, as a record's ``EventRecord/variant``
    /// says them (`entry=mainMenu`); nil when the flow has no split or the call met none yet.
    /// Takes the variables, not the session: a session passed here would be copied.
    @inline(__always)
    func variant(of variables: Variables) -> String? {
        splits.isEmpty ? nil : variant(in: variables)
    }

    private func variant(in variables: Variables) -> String? {
        var text: String?
        for split in splits {
            guard let share = variables[split.variable] else { continue }
            let part = stateName(split.state) + "=" + share
            text = text.map { $0 + "," + part } ?? part
        }
        return text
    }
}
