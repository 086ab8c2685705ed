import FoundationEssentials

// What a record says about the call's way through its flow: the edges, where and how the
// call ended, how long it waited, its look-up's time and its A/B shares. The log line and
// `/metrics` count from these fields, so the two cannot disagree.
extension EventRecord {
    /// Notes the end of the flow's part in the call, by a step that ended it: how (from the
    /// answer's verb) and in which state.
    mutating func noteEnding(answer: Response, at state: UInt16) {
        guard let how = CallEnding(answer.verb) else { return }
        setEnding(how, at: state)
    }

    /// Notes that the call ended without the flow ending it (the caller hung up, or the
    /// session expired) in `state`, unless the flow had ended it already (`phase`).
    mutating func noteEndingWithoutFlow(_ how: CallEnding, phase: Session.Phase, state: UInt16) {
        guard phase != .finished else { return }
        setEnding(how, at: state)
    }

    /// Notes how long the call had been waiting since its last push.
    mutating func noteWaited(since last: Date, now: Date) {
        waitedMilliseconds = Self.milliseconds(from: last, to: now)
    }

    /// Whole milliseconds from `start` to `end`, never negative (a clock that stepped back).
    static func milliseconds(from start: Date, to end: Date) -> Int {
        let milliseconds = end.timeIntervalSince(start) * 1000 + 0.5
        return milliseconds >= 1 ? Int(milliseconds) : 0
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
    /// The A/B shares a call with `variables` is in, as a number: four bits per split, in
    /// state order, each the share's position plus one (0: the call met no such split yet);
    /// 0 when the flow has no split. A number, not text: every push carries it, and only a
    /// log line spells it out (``variantText(_:)``). The compiler keeps a flow within
    /// ``maxSplits`` splits of ``maxShares`` shares. Takes the variables, not the session
    /// (a session passed here would be copied).
    @inline(__always)
    func variantCode(of variables: Variables) -> UInt32 {
        splits.isEmpty ? 0 : code(of: variables)
    }

    /// The most splits a flow may have: a variant code has room for eight.
    static let maxSplits = 8
    /// The most shares a split may have: four bits each.
    static let maxShares = 15

    private func code(of variables: Variables) -> UInt32 {
        var code: UInt32 = 0
        for (position, split) in splits.prefix(Self.maxSplits).enumerated() {
            guard let share = variables[split.variable], case .split(let node) = nodes[Int(split.state)],
                let index = node.shares.firstIndex(where: { $0.name == share }), index < Self.maxShares
            else { continue }
            code |= UInt32(index + 1) << (4 * UInt32(position))
        }
        return code
    }

    /// `entry=mainMenu` (several splits joined by `,`) for a variant code; nil for 0.
    package func variantText(_ code: UInt32) -> String? {
        var text: String?
        for (position, split) in splits.prefix(Self.maxSplits).enumerated() {
            let share = Int(code >> (4 * UInt32(position)) & 0xF)
            guard share > 0, case .split(let node) = nodes[Int(split.state)], share <= node.shares.count else { continue }
            let part = stateName(split.state) + "=" + node.shares[share - 1].name
            text = text.map { $0 + "," + part } ?? part
        }
        return text
    }
}
