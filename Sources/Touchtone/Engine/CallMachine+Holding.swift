import FoundationEssentials

/// A slow look-up holding its caller (``LookupHold``, `docs/HOLDING.md`): the hold answer,
/// and what each push to a held call does.
extension CallMachine {
    /// The hold answer of the look-up the call waits in, after `prefix` (what was to play
    /// before the look-up's result); nil when that look-up does not hold its caller.
    func holdAnswer(_ session: Session, prefix: [Play]) -> Response? {
        let speaker = speaker(for: session)
        guard case .lookup(let node) = speaker.node(of: session), let hold = node.hold else { return nil }
        var out = StepOutput(flow: speaker.flow, playing: prefix)
        if let prepared = hold.turn.prepared {
            out.end(with: prepared)
        } else {
            speaker.gather(
                speaker.pieces(of: hold.turn.prompts, session), maxDigits: hold.maxDigits, timeout: hold.timeoutMilliseconds,
                into: &out)
        }
        return out.answer(callbacks: speaker.flow.callbacks)
    }

    /// A `dtmf` push to a held call: a hold key's target, the look-up's stored ending, its
    /// fallback once the deadline passed, or the hold answer again (``HoldDecision``).
    func receiveHeld(_ digits: String, _ session: inout Session, now: Date) -> StepResult<Next> {
        let speaker = speaker(for: session)
        guard case .lookup(let node) = speaker.node(of: session), let hold = node.hold, let held = session.held else {
            // A held call whose look-up is gone (a deploy): as a push nothing waits for.
            session.held = nil
            session.phase = .idle
            return receive(digits: digits, &session, now: now)
        }
        let ending: LookupEnding
        switch HoldDecision.at(digits: digits, ending: held.ending, deadline: held.deadline, now: now, hold: hold) {
        case .key(let keys, let target):
            session.held = nil
            session.silenceStreak = 0
            var out = StepOutput(flow: flow)
            out.note = "key \(keys) while held"
            out.took(.holdKey(keys), from: session.state)
            speaker.follow(target, &session, now: now, into: &out, hops: 0)
            settleLanguage(&session, now: now, into: &out)
            return result(out, session, now: now, wasFinished: false)
        case .ended(let stored): ending = stored
        case .deadlinePassed: ending = .timedOut
        case .holdAgain(let ignored):
            session.held?.rounds &+= 1
            let round = session.held?.rounds ?? 0
            let note = "holding (round \(round))" + (ignored.map { "; key \($0) ignored" } ?? "")
            let answer = holdAnswer(session, prefix: []) ?? .empty
            return StepResult(next: .answer(answer), note: note, edges: EdgeTrail(), ended: false, handOff: nil)
        }
        session.held = nil
        session.phase = .awaitingLookup
        let step = resume(ending, prefix: [], &session, now: now)
        let times = held.rounds == 1 ? "held once" : "held \(held.rounds) times"
        return StepResult(
            next: .answer(step.next), note: step.note.map { "\($0); \(times)" } ?? times,
            edges: step.edges, ended: step.ended, handOff: step.handOff)
    }
}
