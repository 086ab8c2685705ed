import FoundationEssentials

/// What the keys of a `dtmf` push do in a menu or a collection.
extension CallMachine {
    func receive(_ digits: String, in menu: MenuNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        if digits.isEmpty {
            failedTurn(.silence, in: menu.wait, again: .noInput, &session, now: now, into: &out)
        } else if let key = menu.keys.first(where: { $0.keys == digits }) {
            out.took(.key(key.keys), from: session.state)
            if case .go = key.target { session.trail.push(session.state) }
            follow(key.target, &session, now: now, into: &out, hops: 0)
        } else {
            failedTurn(.wrongKey, in: menu.wait, again: .wrongKey, &session, now: now, into: &out)
        }
    }

    func receive(_ digits: String, in collect: CollectNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        guard !digits.isEmpty else {
            failedTurn(.silence, in: collect.wait, again: .noInput, &session, now: now, into: &out)
            return
        }
        var input = Substring(digits)
        if let finish = collect.finishKey, input.utf8.last == finish { input = input.dropLast() }
        let value = String(input)
        let valid =
            collect.digits.contains(value.utf8.count) && value.utf8.allSatisfy(ASCII.isDigit)
            && (collect.validator?.isValid(value) ?? true)
        guard valid else {
            failedTurn(.wrongKey, in: collect.wait, again: .invalid, &session, now: now, into: &out)
            return
        }
        session.variables.set(collect.variable, to: value, sensitive: collect.sensitive)
        guard let confirmation = collect.confirmation else {
            out.took(.valid, from: session.state)
            follow(collect.next, &session, now: now, into: &out, hops: 0)
            return
        }
        out.took(.readBack, from: session.state)
        var pieces = pieces(of: confirmation.readBack, session)
        for key in value.utf8 { if let piece = keyPlays[key] { pieces.append(piece) } }
        pieces += self.pieces(of: confirmation.ask, session)
        gather(pieces, maxDigits: 1, timeout: collect.wait.timeoutMilliseconds, into: &out)
        session.phase = .awaitingConfirmation
    }

    /// The answer to a read-back: 1 confirms; anything else, silence included, means the
    /// value was not right, and it is collected again.
    func confirm(_ digits: String, in collect: CollectNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        if digits == "1" {
            out.took(.confirmed, from: session.state)
            follow(collect.next, &session, now: now, into: &out, hops: 0)
            return
        }
        session.variables.remove(collect.variable)
        session.phase = .awaitingKeys
        countFailure(digits.isEmpty ? .silence : .wrongKey, &session)
        if failures(session) >= collect.wait.attempts.count {
            out.took(.attemptsExhausted, from: session.state)
            follow(collect.wait.attempts.then, &session, now: now, into: &out, hops: 0)
            return
        }
        out.took(.notConfirmed, from: session.state)
        turn(collect.wait, attempt: failures(session), session, into: &out)
    }

    // MARK: Failed turns

    enum Failure {
        /// Nothing pressed before the timeout.
        case silence
        /// Keys that lead nowhere, or input that is not valid.
        case wrongKey
    }

    /// A silence or a wrong key: off to the handler's target when its own limit is reached,
    /// where the state's attempts lead when they are used up, else the handler's
    /// message and another turn (the edge `again`).
    private func failedTurn(
        _ failure: Failure, in wait: KeyWait, again: EdgeLabel, _ session: inout Session, now: Date,
        into out: inout StepOutput
    ) {
        let count = countFailure(failure, &session)
        let (handler, limitLabel): (Handler, EdgeLabel) =
            switch failure {
            case .silence: (wait.noInput, .noInputLimit)
            case .wrongKey: (wait.wrongKey, .wrongKeyLimit)
            }
        if let limit = handler.limit, count >= limit {
            out.took(limitLabel, from: session.state)
            follow(handler.then ?? wait.attempts.then, &session, now: now, into: &out, hops: 0)
        } else if failures(session) >= wait.attempts.count {
            out.took(.attemptsExhausted, from: session.state)
            follow(wait.attempts.then, &session, now: now, into: &out, hops: 0)
        } else {
            out.took(again, from: session.state)
            if let message = handler.message { playMessage(message, session, into: &out) }
            turn(wait, attempt: failures(session), session, into: &out)
        }
    }

    /// Counts one failure of its kind in the state; returns that kind's count.
    @discardableResult
    private func countFailure(_ failure: Failure, _ session: inout Session) -> Int {
        switch failure {
        case .silence:
            session.noInputCount &+= 1
            return Int(session.noInputCount)
        case .wrongKey:
            session.wrongKeyCount &+= 1
            return Int(session.wrongKeyCount)
        }
    }

    /// Failed turns of any kind in the current state.
    private func failures(_ session: Session) -> Int { Int(session.noInputCount) + Int(session.wrongKeyCount) }
}
