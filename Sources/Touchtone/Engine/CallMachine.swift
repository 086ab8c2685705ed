import FoundationEssentials

/// The state machine of one compiled flow: pure and synchronous.
///
/// Each entry point takes the call's session and the time, changes the session, and returns
/// a ``StepResult``: the answer to send, or the look-up to run first. It keeps nothing
/// between calls, so one machine serves every call of its flow from any thread.
///
/// ```swift
/// var session = Session(callId: id, flow: flow.name, flowVersion: flow.version, state: flow.start,
///                       call: call, startedAt: now)
/// let first = machine.start(&session, now: now)               // .answer(welcome and menu)
/// let next = machine.receive(digits: "1", &session, now: now)  // .answer(Dial ...) or .lookup(...)
/// ```
final class CallMachine: Sendable {
    let flow: CompiledFlow
    /// Where composed prompts (read-outs, several recordings in one turn) are built.
    let environment: CompileEnvironment
    /// `digit-0` ... `digit-9`, `digit-star`, `digit-hash` plays, for read-outs.
    let keyPlays: [UInt8: (prompt: Prompt, play: Play)]
    /// Played when the flow starts again because a deploy removed the call's state.
    let menuChanged: Play?
    /// The machines of the flow's other languages (`CompiledFlow.translations`); empty for
    /// a flow with one language and for those machines themselves.
    let variants: [(code: String, machine: CallMachine)]
    /// Every language the flow speaks, for each of its machines.
    let spoken: [String]

    /// The most states one event may pass through without waiting for the caller.
    static let maxHops = 64

    init(flow: CompiledFlow, environment: CompileEnvironment, menuChanged: Play? = nil, spoken: [String]? = nil) {
        self.flow = flow
        let spoken = spoken ?? flow.languages
        self.spoken = spoken
        variants = flow.translations.map {
            ($0.code, CallMachine(flow: $0.flow, environment: environment, menuChanged: menuChanged, spoken: spoken))
        }
        let environment = flow.language.map(environment.speaking) ?? environment
        self.environment = environment
        self.menuChanged = menuChanged
        var plays: [UInt8: (prompt: Prompt, play: Play)] = [:]
        for key in "0123456789*#".utf8 {
            if let prompt = DigitReadout.prompt(for: Character(UnicodeScalar(key))), let url = try? environment.promptURL(prompt) {
                plays[key] = (prompt, Play(url))
            }
        }
        keyPlays = plays
    }

    // MARK: Entry points

    /// A new call: enter the start state.
    func start(_ session: inout Session, now: Date) -> StepResult<Next> {
        var out = StepOutput(flow: flow)
        speaker(for: session).enter(flow.start, &session, now: now, into: &out, hops: 0)
        settleLanguage(&session, now: now, into: &out)
        return result(out, session, now: now, wasFinished: false)
    }

    /// A call handed over from another flow: enter `state` (the start when nil), after `prefix`,
    /// in the call's language when this flow speaks it (the hand-off keeps the variable), else
    /// in this flow's default.
    func enter(handedOver state: UInt16?, _ session: inout Session, now: Date, playing prefix: [Play]) -> StepResult<Next> {
        var out = StepOutput(flow: flow, playing: prefix)
        speaker(for: session).enter(state ?? flow.start, &session, now: now, into: &out, hops: 0)
        settleLanguage(&session, now: now, into: &out)
        return result(out, session, now: now, wasFinished: false)
    }

    /// A `dtmf` push: the caller pressed `digits` (empty: nothing, the gather timed out).
    func receive(digits: String, _ session: inout Session, now: Date) -> StepResult<Next> {
        var out = StepOutput(flow: flow)
        let wasFinished = session.phase == .finished
        speaker(for: session).receive(digits, &session, now: now, into: &out)
        settleLanguage(&session, now: now, into: &out)
        return result(out, session, now: now, wasFinished: wasFinished)
    }

    /// The look-up the call waits in has ended; `prefix` was to be played before its result.
    /// The answer cannot wait a second time: a look-up that leads straight to another ends
    /// the call.
    func resume(_ ending: LookupEnding, prefix: [Play], _ session: inout Session, now: Date) -> StepResult<Response> {
        var out = StepOutput(flow: flow, playing: prefix)
        let wasFinished = session.phase == .finished
        if case .lookup(let node) = node(of: session), session.phase == .awaitingLookup {
            speaker(for: session).resume(ending, in: node, &session, now: now, into: &out)
            settleLanguage(&session, now: now, into: &out)
        } else {
            out.note = "no look-up waiting"
        }
        if case .lookup = out.ending {
            out.note = "a look-up led to another look-up"
            end(with: flow.endings.hangup, &session, into: &out)
        }
        return StepResult(
            next: out.answer(callbacks: flow.callbacks) ?? .empty, note: out.note, edges: out.edges,
            ended: !wasFinished && session.phase == .finished, handOff: out.handOffRequest)
    }

    /// The look-up the call waits in, started again for a repeat of the push that reached
    /// it (nothing is played before its result this time); nil when no look-up waits.
    func waitingLookup(_ session: Session, now: Date) -> LookupRequest? {
        guard session.phase == .awaitingLookup, case .lookup(let node) = node(of: session) else { return nil }
        let context = CallContext(callId: session.callId, call: session.call, variables: session.variables, now: now)
        return LookupRequest(state: session.state, node: node, context: context, prefix: [])
    }

    /// The prompt of the turn the call waits in now, for a repeated push whose first answer
    /// is not kept (a session a deploy moved to another flow version): the caller hears the
    /// question again rather than the keys counting twice. Nil when no keys are awaited.
    func waitingAnswer(_ session: Session) -> Response? {
        guard session.phase == .awaitingKeys, let node = speaker(for: session).node(of: session) else { return nil }
        let wait: KeyWait
        switch node {
        case .menu(let menu): wait = menu.wait
        case .collect(let collect): wait = collect.wait
        default: return nil
        }
        var out = StepOutput(flow: flow)
        speaker(for: session).turn(wait, attempt: Int(session.noInputCount) + Int(session.wrongKeyCount), session, into: &out)
        return out.answer(callbacks: flow.callbacks)
    }

    /// Whether the keys a push brings now are sensitive (a PIN): they are masked in logs.
    func expectsSensitiveKeys(state: UInt16, phase: Session.Phase) -> Bool {
        guard phase == .awaitingKeys, Int(state) < flow.nodes.count, case .collect(let node) = flow.nodes[Int(state)] else { return false }
        return node.sensitive
    }

    // MARK: Steps

    func receive(_ digits: String, _ session: inout Session, now: Date, into out: inout StepOutput) {
        if session.phase == .restarting {
            // The keys answered a menu of a flow version that is gone: start this one afresh.
            out.note = "the flow changed during the call: it starts again"
            if let menuChanged { out.play(menuChanged) }
            session.silenceStreak = 0
            session.trail.removeAll()
            enter(flow.start, &session, now: now, into: &out, hops: 0)
            return
        }
        if digits.isEmpty {
            session.silenceStreak &+= 1
            if Int(session.silenceStreak) >= flow.maxSilencesInARow {
                out.note = "\(session.silenceStreak) silences in a row"
                end(with: flow.endings.hangup, &session, into: &out)
                return
            }
        } else {
            session.silenceStreak = 0
        }
        switch (node(of: session), session.phase) {
        case (.menu(let menu), .awaitingKeys):
            receive(digits, in: menu, &session, now: now, into: &out)
        case (.collect(let collect), .awaitingKeys):
            receive(digits, in: collect, &session, now: now, into: &out)
        case (.collect(let collect), .awaitingConfirmation):
            confirm(digits, in: collect, &session, now: now, into: &out)
        case (.lookup, .awaitingLookup):
            // sipgate waits for our answer, so this is a duplicate or a stray push: keep waiting.
            out.note = "look-up still running"
        case (nil, _):
            out.note = "state out of range"
            end(with: flow.endings.hangup, &session, into: &out)
        default:
            // Nothing waits for keys (the call was transferred or ended): end it cleanly.
            out.note = "no menu is waiting for keys"
            end(with: flow.endings.hangup, &session, into: &out)
        }
    }

    func resume(_ ending: LookupEnding, in node: LookupNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        switch ending {
        case .finished(let result):
            guard let outcome = result.declaredOutcome(in: node) else {
                out.note = "look-up result \(result.outcome) is not one of its outcomes"
                out.took(.lookupFailure, from: session.state)
                follow(node.fallback, &session, now: now, into: &out, hops: 0)
                return
            }
            // The language goes through the language step below, which keeps the call's own
            // when the look-up names one the flow does not speak.
            for (name, value) in result.variables.sorted(by: { $0.key < $1.key }) where name != Language.variable {
                session.variables.set(name, to: value)
            }
            out.took(.lookupResult(outcome.name), from: session.state)
            if let code = result.variables[Language.variable] {
                follow(.language(code, then: outcome.target), &session, now: now, into: &out, hops: 0)
            } else {
                follow(outcome.target, &session, now: now, into: &out, hops: 0)
            }
        case .failed(let reason):
            out.note = "look-up failed: \(reason.prefix(120))"
            out.took(.lookupFailure, from: session.state)
            follow(node.fallback, &session, now: now, into: &out, hops: 0)
        case .timedOut:
            out.note = "look-up passed its deadline"
            out.took(.lookupTimeout, from: session.state)
            follow(node.fallback, &session, now: now, into: &out, hops: 0)
        }
    }

    /// The node of the session's state; `nil` when the index is out of range.
    func node(of session: Session) -> Node? {
        Int(session.state) < flow.nodes.count ? flow.nodes[Int(session.state)] : nil
    }

    /// The step's result: its answer, or the look-up it reached with what the work may see.
    func result(_ out: StepOutput, _ session: Session, now: Date, wasFinished: Bool) -> StepResult<Next> {
        let next: Next
        if case .lookup(let state, let node) = out.ending {
            let context = CallContext(callId: session.callId, call: session.call, variables: session.variables, now: now)
            next = .lookup(LookupRequest(state: state, node: node, context: context, prefix: out.plays))
        } else {
            next = .answer(out.answer(callbacks: flow.callbacks) ?? .empty)
        }
        return StepResult(
            next: next, note: out.note, edges: out.edges, ended: !wasFinished && session.phase == .finished,
            handOff: out.handOffRequest)
    }
}
