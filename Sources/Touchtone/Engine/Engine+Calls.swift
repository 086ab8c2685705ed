import FoundationEssentials

// What each push does to the session of its call: the work ``SessionWork`` runs, on the
// engine's own store or on a session read from a shared one. None of these functions has
// an effect outside the session; hooks and counts travel in the result to `finish`.

/// How a push's turn relates to its call's.
enum TurnCheck {
    /// The push answers the call's last answer (or names no turn): it advances the call.
    case current
    /// The push that led to the last answer, delivered again.
    case repeated
    /// A push for an answer older than the last one.
    case stale

    init(_ turn: UInt32?, call: UInt32) {
        guard let turn, turn < call else {
            self = .current
            return
        }
        self = turn &+ 1 == call ? .repeated : .stale
    }
}

extension Engine {
    // MARK: newCall

    /// A new call whose session exists: sipgate repeated `newCall`.
    func repeatedNewCall(_ event: NewCallEvent, created: EngineReply, _ session: Session, now: Date) -> SessionWorkResult {
        guard let machine = machine(for: session) else {
            return SessionWorkResult(reply: created, changed: false)
        }
        let record = EventRecord(callId: event.callId, event: .newCall, flow: machine.flow, after: session.state, note: "repeated newCall")
        return again(session, machine, record) ?? SessionWorkResult(reply: created, changed: false)
    }

    // MARK: dtmf

    /// What a `dtmf` push found and did under the call's lock: a few references, so that it
    /// leaves the lock cheaply; the record and the reply are made from it outside.
    struct KeysOutcome {
        enum Kind {
            /// The session names a flow this engine does not serve.
            case notServed(String)
            /// The push advanced the call.
            case advanced(StepResult<CallMachine.Next>, before: UInt16, masked: Bool)
            /// A repeat (or a stale push), answered with the kept answer.
            case repeated(Response, TurnCheck)
            /// A repeat while the look-up that decides the answer runs: it runs again.
            case rejoined(LookupRequest, TurnCheck)
            /// The push handed the call to another flow (`flow` is that flow): its record, made
            /// under the lock, and what the other flow answers.
            case handedOver(EventRecord, CallMachine.Next)
        }

        var kind: Kind
        var flow: CompiledFlow?
        /// The call's state and turn after the push.
        var state: UInt16
        var turn: UInt32
        /// How long the call had waited in the state the push found it in, in milliseconds.
        var waited = 0
        /// The call's A/B shares after the push.
        var variant: UInt32 = 0
        /// What the push counts besides itself (a held look-up's deadline passing).
        var tallies: SessionEffects.Tallies = []
    }

    /// Applies a `dtmf` push to its session (under the call's lock).
    func keysOutcome(_ event: DTMFEvent, _ address: PushAddress, _ session: inout Session, now: Date) -> KeysOutcome {
        guard let machine = machine(for: session) else {
            return KeysOutcome(kind: .notServed(session.flow), flow: nil, state: session.state, turn: session.turn)
        }
        let flow = machine.flow
        let check = TurnCheck(address.turn, call: session.turn)
        // sipgate waits for the answer of a push that reached a look-up: a push while the
        // look-up runs is that push again, whatever its turn says.
        let waiting = session.phase == .awaitingLookup && session.lastAnswer == nil
        if check != .current || waiting {
            if let kept = session.lastAnswer {
                return KeysOutcome(kind: .repeated(kept, check), flow: flow, state: session.state, turn: session.turn)
            }
            if let request = machine.waitingLookup(session, now: now) {
                return KeysOutcome(kind: .rejoined(request, check), flow: flow, state: session.state, turn: session.turn)
            }
            // No kept answer (a session a deploy moved, or saved before answers were kept):
            // a repeat hears the question it waits on again; it does not count twice.
            if check != .current, let question = machine.waitingAnswer(session) {
                return KeysOutcome(kind: .repeated(question, check), flow: flow, state: session.state, turn: session.turn)
            }
        }
        let before = session.state
        let masked = machine.expectsSensitiveKeys(state: session.state, phase: session.phase)
        let wasHeld = session.phase == .holding
        let result =
            wasHeld ? machine.receiveHeld(event.digits, &session, now: now) : machine.receive(digits: event.digits, &session, now: now)
        var tallies: SessionEffects.Tallies = []
        if wasHeld, let timeout = flow.edgeIndex(from: before, .lookupTimeout), result.edges.contains(timeout) {
            tallies.insert(.lookupTimeout)
        }
        let waited = EventRecord.milliseconds(from: session.lastActivity, to: now)
        if let request = result.handOff {
            var record = EventRecord(
                callId: event.callId, event: .dtmf, flow: flow, before: before, after: session.state,
                digits: masked ? EventRecord.maskedDigits : event.digits, note: result.note, edges: result.edges)
            record.waitedMilliseconds = waited
            record.variantCode = flow.variantCode(of: session.variables)
            let over = followHandOff(request, from: machine, record: record, &session, event: .dtmf, now: now)
            session.lastActivity = now
            session.turn = max(session.turn, address.turn ?? 0) &+ 1
            keep(over.step.next, in: &session)
            return KeysOutcome(
                kind: .handedOver(over.record, over.step.next), flow: over.machine.flow, state: session.state, turn: session.turn)
        }
        session.lastActivity = now
        session.turn = max(session.turn, address.turn ?? 0) &+ 1
        keep(result.next, in: &session)
        return KeysOutcome(
            kind: .advanced(result, before: before, masked: masked), flow: flow, state: session.state, turn: session.turn, waited: waited,
            variant: flow.variantCode(of: session.variables), tallies: tallies)
    }

    /// The answer of a step, kept with the session for a repeat; none while a look-up decides it.
    func keep(_ next: CallMachine.Next, in session: inout Session) {
        switch next {
        case .answer(let response): session.lastAnswer = response
        case .lookup: session.lastAnswer = nil
        }
    }

    /// The record and the reply of a `dtmf` push, from what it did.
    func keysResult(_ event: DTMFEvent, _ address: PushAddress, _ outcome: KeysOutcome) -> SessionWorkResult {
        switch outcome.kind {
        case .notServed(let name):
            var record = EventRecord(callId: event.callId, event: .dtmf, digits: event.digits, note: "flow \(name) is not served here")
            record.unloadedFlow = name
            return SessionWorkResult(
                reply: answer(PushAnswer(Response(then: .hangup)), consume record), changed: false,
                effects: SessionEffects(tallies: .unknownCall))
        case .advanced(let result, let before, let masked):
            var record = EventRecord(
                callId: event.callId, event: .dtmf, flow: outcome.flow, before: before, after: outcome.state,
                digits: masked ? EventRecord.maskedDigits : event.digits, note: result.note, edges: result.edges)
            record.waitedMilliseconds = outcome.waited
            record.variantCode = outcome.variant
            if result.ended, case .answer(let response) = result.next { record.noteEnding(answer: response, at: outcome.state) }
            return SessionWorkResult(
                reply: reply(result.next, flow: outcome.flow!, turn: outcome.turn, record: consume record), changed: true,
                effects: SessionEffects(tallies: outcome.tallies))
        case .repeated(let kept, let check):
            let record = repeatRecord(event, address, outcome, check)
            return SessionWorkResult(
                reply: answer(PushAnswer(kept, turn: outcome.turn), consume record), changed: false,
                effects: SessionEffects(tallies: .repeatedPush))
        case .handedOver(let record, let next):
            return SessionWorkResult(reply: reply(next, flow: outcome.flow!, turn: outcome.turn, record: record), changed: true)
        case .rejoined(let request, let check):
            var record = repeatRecord(event, address, outcome, check)
            record.note = (record.note ?? "") + ": look-up started again"
            let pending = PendingLookup(record: record, request: request, compiledFlow: outcome.flow!, engine: self, turn: outcome.turn)
            return SessionWorkResult(reply: .lookup(pending, record), changed: false, effects: SessionEffects(tallies: .repeatedPush))
        }
    }

    /// The record of a repeated push. Its keys are masked: the state that expected them (a PIN) is gone.
    private func repeatRecord(_ event: DTMFEvent, _ address: PushAddress, _ outcome: KeysOutcome, _ check: TurnCheck) -> EventRecord {
        var record = EventRecord(
            callId: event.callId, event: .dtmf, flow: outcome.flow, before: outcome.state, after: outcome.state,
            digits: EventRecord.maskedDigits)
        switch check {
        case .stale: record.note = "stale push (turn \(address.turn ?? 0); the call is at turn \(outcome.turn))"
        case .repeated, .current: record.note = "repeated push"
        }
        return record
    }

    /// The answer the session keeps, for a repeated `newCall`; the look-up it waits in,
    /// started again, when a look-up decides that answer; nil when it keeps neither.
    private func again(_ session: Session, _ machine: CallMachine, _ record: consuming EventRecord) -> SessionWorkResult? {
        let effects = SessionEffects(tallies: .repeatedPush)
        if let kept = session.lastAnswer {
            return SessionWorkResult(reply: answer(PushAnswer(kept, turn: session.turn), consume record), changed: false, effects: effects)
        }
        if let request = machine.waitingLookup(session, now: clock.now()) {
            record.note = (record.note ?? "repeated push") + ": look-up started again"
            let record = copy record
            let pending = PendingLookup(record: record, request: request, compiledFlow: machine.flow, engine: self, turn: session.turn)
            return SessionWorkResult(reply: .lookup(pending, record), changed: false, effects: effects)
        }
        return nil
    }

    // MARK: answer

    /// What an `answer` push did under the call's lock.
    struct AnsweredOutcome {
        enum Kind {
            case notServed(String, changed: Bool)
            case repeated
            case answered(HookCall?)
        }

        var kind: Kind
        var flow: CompiledFlow?
        var state: UInt16
    }

    func answeredOutcome(_ event: AnswerEvent, _ session: inout Session, now: Date) -> AnsweredOutcome {
        guard let machine = machine(for: session) else {
            let changed = !session.answered
            session.answered = true
            session.lastActivity = now
            return AnsweredOutcome(kind: .notServed(session.flow, changed: changed), flow: nil, state: session.state)
        }
        let flow = machine.flow
        guard !session.answered else { return AnsweredOutcome(kind: .repeated, flow: flow, state: session.state) }
        session.answered = true
        session.lastActivity = now
        // The hook's view of the call is built only when the flow has answer hooks.
        let hooks =
            flow.hooks.onAnswer.isEmpty
            ? nil : HookCall(flow.hooks.onAnswer, hookInfo(session, flow, answeredBy: event.user ?? event.answeringNumber, cause: nil))
        return AnsweredOutcome(kind: .answered(hooks), flow: flow, state: session.state)
    }

    func answeredResult(_ event: AnswerEvent, _ outcome: AnsweredOutcome) -> SessionWorkResult {
        var record = EventRecord(callId: event.callId, event: .answer, flow: outcome.flow, before: outcome.state, after: outcome.state)
        switch outcome.kind {
        case .notServed(let name, let changed):
            record = EventRecord(callId: event.callId, event: .answer)
            record.unloadedFlow = name
            return SessionWorkResult(reply: answer(.empty, consume record), changed: changed)
        case .repeated:
            record.note = "repeated answer"
            return SessionWorkResult(reply: answer(.empty, consume record), changed: false, effects: SessionEffects(tallies: .repeatedPush))
        case .answered(let hooks):
            return SessionWorkResult(reply: answer(.empty, consume record), changed: true, effects: SessionEffects(hooks: hooks))
        }
    }

    // MARK: hangup

    /// The call ended; `session` was removed from the store.
    func hungUp(_ event: HangupEvent, _ session: Session, now: Date) -> SessionWorkResult {
        guard let machine = machine(for: session) else {
            var record = EventRecord(callId: event.callId, event: .hangup, note: event.cause.rawValue)
            record.unloadedFlow = session.flow
            return SessionWorkResult(reply: answer(.empty, consume record), changed: true)
        }
        let flow = machine.flow
        var effects = SessionEffects()
        if !flow.hooks.onHangup.isEmpty {
            effects.hooks = HookCall(flow.hooks.onHangup, hookInfo(session, flow, answeredBy: nil, cause: event.cause))
        }
        var record = EventRecord(callId: event.callId, event: .hangup, flow: flow, before: session.state, note: event.cause.rawValue)
        record.noteWaited(since: session.lastActivity, now: now)
        record.noteEndingWithoutFlow(.callerHangup, phase: session.phase, state: session.state)
        record.variantCode = flow.variantCode(of: session.variables)
        return SessionWorkResult(reply: answer(.empty, consume record), changed: true, effects: effects)
    }

    // MARK: Look-ups

    func resume(_ pending: PendingLookup, _ ending: LookupEnding, _ session: inout Session, now: Date) -> SessionWorkResult {
        var effects = SessionEffects()
        switch ending {
        case .timedOut: effects.tallies.insert(.lookupTimeout)
        case .failed: effects.tallies.insert(.lookupFailure)
        case .finished: break
        }
        var record = pending.record
        // A look-up reached straight from newCall started in the look-up state.
        record.before = record.before ?? pending.request.state
        guard let machine = machine(for: session), session.turn == pending.turn, session.phase == .awaitingLookup,
            session.lastAnswer == nil
        else {
            // Another delivery of the same push finished the look-up first: its answer stands.
            record.after = session.state
            record.note = "look-up finished by a repeated push"
            let kept = session.lastAnswer.map { PushAnswer($0, turn: session.turn) } ?? PushAnswer(Response(then: .hangup))
            return SessionWorkResult(reply: answer(kept, consume record), changed: false, effects: effects)
        }
        let result = machine.resume(ending, prefix: pending.request.prefix, &session, now: now)
        session.lastActivity = now
        session.lastAnswer = result.next
        record.after = session.state
        record.note = result.note ?? record.note
        record.edges.append(contentsOf: result.edges)
        record.lookupStateIndex = pending.request.state
        record.lookupMilliseconds = EventRecord.milliseconds(from: pending.request.context.now, to: now)
        record.variantCode = machine.flow.variantCode(of: session.variables)
        if let request = result.handOff {
            let over = followHandOff(request, from: machine, record: record, &session, event: record.event ?? .dtmf, now: now)
            var handed = over.record
            let response: Response
            switch over.step.next {
            case .answer(let next):
                response = next
            case .lookup:
                // The push waited for one look-up already: it cannot wait for another.
                response = Response(onAnswer: over.machine.flow.callbacks, onHangup: over.machine.flow.callbacks, then: .hangup)
                session.phase = .finished
                handed.note = "a look-up led to another look-up"
                handed.setEnding(.hangup, at: session.state)
            }
            session.lastAnswer = response
            return SessionWorkResult(reply: answer(PushAnswer(response, turn: session.turn), handed), changed: true, effects: effects)
        }
        if result.ended { record.noteEnding(answer: result.next, at: session.state) }
        return SessionWorkResult(
            reply: answer(PushAnswer(result.next, turn: session.turn), consume record), changed: true, effects: effects)
    }

    // MARK: No session

    func withoutSession(_ operation: SessionWork.Operation, now: Date) -> SessionWorkResult {
        let unknown = SessionEffects(tallies: .unknownCall)
        switch operation {
        case .newCall(let plan):
            return SessionWorkResult(reply: plan.created, changed: false)
        case .keys(let event, _):
            let record = EventRecord(callId: event.callId, event: .dtmf, digits: EventRecord.maskedDigits, note: "unknown or expired call")
            return SessionWorkResult(reply: answer(PushAnswer(Response(then: .hangup)), consume record), changed: false, effects: unknown)
        case .answered(let event):
            return SessionWorkResult(
                reply: answer(.empty, EventRecord(callId: event.callId, event: .answer, note: "unknown or expired call")),
                changed: false, effects: unknown)
        case .hangup(let event):
            let record = EventRecord(callId: event.callId, event: .hangup, note: "unknown or expired call (\(event.cause.rawValue))")
            return SessionWorkResult(reply: answer(.empty, consume record), changed: false, effects: unknown)
        case .hold(let pending):
            // The push's own line: the call ended before its hold answer.
            var record = pending.record
            record.before = record.before ?? pending.request.state
            record.after = nil
            record.note = "call ended during its look-up"
            return SessionWorkResult(reply: answer(.empty, consume record), changed: false)
        case .keep(let pending, let ending):
            // The look-up's own line: its push's line was the hold answer.
            var record = pending.endingRecord(now: now)
            record.after = nil
            record.note = "call ended while held"
            var effects = SessionEffects()
            if case .failed = ending { effects.tallies.insert(.lookupFailure) }
            return SessionWorkResult(logging: answer(.empty, consume record), changed: false, effects: effects)
        case .resume(let pending, let ending):
            var record = pending.record
            record.before = record.before ?? pending.request.state
            record.after = nil
            record.note = "call ended during its look-up"
            var effects = SessionEffects()
            if case .timedOut = ending { effects.tallies.insert(.lookupTimeout) }
            if case .failed = ending { effects.tallies.insert(.lookupFailure) }
            return SessionWorkResult(reply: answer(.empty, consume record), changed: false, effects: effects)
        }
    }
}
