import FoundationEssentials

// A slow look-up holding its caller (`docs/HOLDING.md`): the hold answer to the push that
// reached it, and its ending kept with the session for the next push, on any instance.

extension Engine {
    /// The work that answers the push of `pending`'s slow look-up with the hold, for a store
    /// that runs it itself; its reply is that push's answer.
    public func holdWork(_ pending: PendingLookup) -> SessionWork {
        SessionWork(callId: pending.callId, access: .update, operation: .hold(pending), engine: self, now: clock.now())
    }

    /// The work that keeps how the look-up of a held call ended with its session, for a store
    /// that runs it itself; its reply answers nobody (the push was answered with the hold),
    /// its record is the look-up's own log line. Start it once the hold's work is done.
    public func keepWork(_ pending: PendingLookup, _ ending: LookupEnding) -> SessionWork {
        SessionWork(callId: pending.callId, access: .update, operation: .keep(pending, ending), engine: self, now: clock.now())
    }

    /// The look-up of `pending` is slow: answer its push with the hold, unless another
    /// delivery of that push answered it already (then with that answer).
    func hold(_ pending: PendingLookup, _ session: inout Session, now: Date) -> SessionWorkResult {
        var record = pending.record
        record.before = record.before ?? pending.request.state
        guard let machine = machine(for: session), session.turn == pending.turn, session.phase == .awaitingLookup,
            session.lastAnswer == nil, session.state == pending.request.state,
            let response = machine.holdAnswer(session, prefix: pending.request.prefix)
        else {
            record.after = session.state
            record.note = "look-up answered by a repeated push"
            let kept = session.lastAnswer.map { PushAnswer($0, turn: session.turn) } ?? PushAnswer(Response(then: .hangup))
            return SessionWorkResult(reply: answer(kept, consume record), changed: false)
        }
        session.phase = .holding
        session.held = HeldLookup(deadline: pending.heldUntil, turn: pending.turn)
        session.lastAnswer = response
        session.lastActivity = now
        record.after = session.state
        record.note = "holding: the look-up takes longer than \(pending.holdAfter ?? .zero)"
        if let edge = machine.flow.edgeIndex(from: session.state, .held) { record.edges.append(edge) }
        return SessionWorkResult(
            reply: answer(PushAnswer(response, turn: session.turn), consume record), changed: true,
            effects: SessionEffects(tallies: .lookupHold))
    }

    /// The look-up of a held call ended: keep how, for the call's next push. Nothing is
    /// answered (the push was answered with the hold); the record is the look-up's own line.
    func keep(_ pending: PendingLookup, _ ending: LookupEnding, _ session: inout Session, now: Date) -> SessionWorkResult {
        var record = pending.endingRecord(now: now)
        // This look-up still holding the call: a later look-up of the same state (the caller
        // went back and came again) started at a later turn; a repeat of the push that
        // reached it runs the same look-up again, at the same turn.
        guard session.phase == .holding, session.state == pending.request.state, var held = session.held, held.turn == pending.turn
        else {
            record.note = "look-up ended after its call moved on"
            return SessionWorkResult(logging: answer(.empty, consume record), changed: false)
        }
        if case .timedOut = ending {
            record.note = "look-up passed its deadline while the caller was held: the next push takes the fallback"
            return SessionWorkResult(logging: answer(.empty, consume record), changed: false)
        }
        guard held.keep(ending) else {
            record.note = "look-up ended again (a repeated push): the first ending is kept"
            return SessionWorkResult(logging: answer(.empty, consume record), changed: false)
        }
        session.held = held
        var effects = SessionEffects()
        if case .failed(let reason) = ending {
            if reason == LookupEnding.stoppedReason {
                record.note = "look-up given up: the instance stopped; the next push takes the fallback"
                return SessionWorkResult(logging: answer(.empty, consume record), changed: true)
            }
            effects.tallies.insert(.lookupFailure)
        }
        record.note = "look-up ended while the caller was held: kept for the next push"
        return SessionWorkResult(logging: answer(.empty, consume record), changed: true, effects: effects)
    }
}
