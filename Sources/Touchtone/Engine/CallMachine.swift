import FoundationEssentials

/// What one step of a call produced: prompts to play and the verb that ends the answer,
/// or a look-up to run before the answer can be given.
struct StepOutput {
    var plays: [Play] = []
    var final: FinalVerb?
    /// The whole answer, built and rendered in advance, when the step ends in a fixed
    /// prompt turn with nothing played before it (the common menu step): ``plays`` and
    /// ``final`` as a ``Response``. Whoever changes those afterwards must clear it.
    var prepared: Response?
    /// Set when the call entered a look-up state: the answer waits for it.
    var lookup: UInt16?
    var note: String?
    /// The edges taken, when the engine traces (for coverage); `nil` when it does not.
    var trace: [TakenEdge]?

    init(tracing: Bool) {
        trace = tracing ? [] : nil
    }

    mutating func took(_ label: EdgeLabel, from state: UInt16) {
        trace?.append(TakenEdge(from: state, label: label))
    }
}

/// The state machine of one compiled flow: pure and synchronous.
/// `step(session, input, now) -> (session', output)`; time comes in as a value.
final class CallMachine: Sendable {
    let flow: CompiledFlow
    /// Where sipgate posts `dtmf` (and `answer`/`hangup`): the public URL.
    let callbackURL: AbsoluteURL
    /// `digit-0` ... `digit-9`, `digit-star`, `digit-hash` plays, for read-outs.
    let keyPlays: [UInt8: (prompt: Prompt, play: Play)]
    /// Where prompt and composed-prompt URLs are built.
    let environment: CompileEnvironment
    /// Records the edges each step takes (for coverage in tests).
    let tracing: Bool
    /// For each node, the answer to each of its turns when that turn's prompt is fixed,
    /// rendered once here rather than on every push.
    let preparedTurns: [[Response?]]
    /// The answers that end a call the same way every time, rendered once.
    let preparedHangup, preparedVoicemail, preparedBusy, preparedRejected: Response

    /// The most states one event may pass through without waiting for the caller.
    static let maxHops = 64

    init(flow: CompiledFlow, environment: CompileEnvironment, tracing: Bool = false) {
        self.flow = flow
        self.tracing = tracing
        self.callbackURL = environment.publicURL
        self.environment = environment
        var plays: [UInt8: (prompt: Prompt, play: Play)] = [:]
        for key in "0123456789*#".utf8 {
            if let prompt = DigitReadout.prompt(for: Character(UnicodeScalar(key))), let url = try? environment.promptURL(prompt) {
                plays[key] = (prompt, Play(url))
            }
        }
        keyPlays = plays
        let callbackURL = self.callbackURL
        func ending(_ verb: FinalVerb) -> Response {
            Response(onAnswer: callbackURL, onHangup: callbackURL, then: verb).prerendered()
        }
        preparedHangup = ending(.hangup)
        preparedVoicemail = ending(.dial(.voicemail))
        preparedBusy = ending(.reject(.busy))
        preparedRejected = ending(.reject(.rejected))
        func prepared(_ prompts: CompiledPrompts, maxDigits: Int, timeout: Int) -> Response? {
            guard let play = prompts.fixedPlay else { return nil }  // read-outs depend on the call
            let gather = Gather(checkedOnData: callbackURL, maxDigits: maxDigits, timeoutMilliseconds: timeout, play: play)
            return Response(onAnswer: callbackURL, onHangup: callbackURL, then: .gather(gather)).prerendered()
        }
        preparedTurns = flow.nodes.map { node in
            switch node {
            case .menu(let menu):
                menu.turns.map { prepared($0, maxDigits: menu.maxDigits, timeout: menu.timeoutMilliseconds) }
            case .collect(let collect):
                collect.turns.map { prepared($0, maxDigits: collect.gatherDigits, timeout: collect.timeoutMilliseconds) }
            default:
                []
            }
        }
    }

    // MARK: Entry points

    /// A new call: enter the start state.
    func start(_ session: inout Session, now: Date) -> StepOutput {
        var out = StepOutput(tracing: tracing)
        enter(flow.start, &session, now: now, into: &out, hops: 0)
        return out
    }

    /// A `dtmf` push: the caller pressed `digits` (empty: nothing).
    func receive(digits: String, _ session: inout Session, now: Date) -> StepOutput {
        var out = StepOutput(tracing: tracing)
        receive(digits: digits, &session, now: now, into: &out)
        return out
    }

    /// A `dtmf` push, written into `out` (a fresh output; the engine's hot path keeps it in place).
    func receive(digits: String, _ session: inout Session, now: Date, into out: inout StepOutput) {
        let silent = digits.isEmpty
        if silent {
            session.silenceStreak &+= 1
            if Int(session.silenceStreak) >= flow.maxSilencesInARow {
                out.note = "\(session.silenceStreak) silences in a row"
                finish(.hangup, &session, into: &out)
                return
            }
        } else {
            session.silenceStreak = 0
        }
        let index = Int(session.state)
        guard index < flow.nodes.count else {
            out.note = "state out of range"
            finish(.hangup, &session, into: &out)
            return
        }
        switch (flow.nodes[index], session.phase) {
        case (.menu(let menu), .awaitingKeys):
            receive(digits, in: menu, &session, now: now, into: &out)
        case (.collect(let collect), .awaitingKeys):
            receive(digits, in: collect, &session, now: now, into: &out)
        case (.collect(let collect), .awaitingConfirmation):
            confirm(digits, in: collect, &session, now: now, into: &out)
        case (.lookup, .awaitingLookup):
            // sipgate waits for our answer, so this is a duplicate or a stray push: keep waiting.
            out.note = "look-up still running"
        default:
            // Nothing waits for keys (the call was transferred or ended): end it cleanly.
            out.note = "no menu is waiting for keys"
            finish(.hangup, &session, into: &out)
        }
    }

    /// A look-up finished (or failed, or passed its deadline).
    func resume(_ outcome: LookupOutcome, _ session: inout Session, now: Date) -> StepOutput {
        var out = StepOutput(tracing: tracing)
        guard Int(session.state) < flow.nodes.count, case .lookup(let node) = flow.nodes[Int(session.state)],
              session.phase == .awaitingLookup else {
            out.note = "no look-up waiting"
            return out
        }
        switch outcome {
        case .finished(let result):
            for (name, value) in result.variables.sorted(by: { $0.key < $1.key }) { session.variables.set(name, to: value) }
            if let target = target(for: result.step) {
                let description = target.description(in: flow)
                let name = node.outcomes.first { $0.target.description(in: flow) == description }?.name ?? description
                out.took(.lookupResult(name), from: session.state)
                follow(target, &session, now: now, into: &out, hops: 0)
            } else {
                out.note = "look-up chose an unknown state"
                out.took(.lookupFailure, from: session.state)
                follow(node.fallback, &session, now: now, into: &out, hops: 0)
            }
        case .named(let name):
            if let outcome = node.outcomes.first(where: { $0.name == name }) {
                out.took(.lookupResult(name), from: session.state)
                follow(outcome.target, &session, now: now, into: &out, hops: 0)
            } else {
                out.note = "look-up has no result named \(name)"
                out.took(.lookupFailure, from: session.state)
                follow(node.fallback, &session, now: now, into: &out, hops: 0)
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
        return out
    }

    // MARK: Menus

    private func receive(_ digits: String, in menu: MenuNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        let handler: Handler
        let count: Int
        let labels: (again: EdgeLabel, limit: EdgeLabel)
        if digits.isEmpty {
            session.noInputCount &+= 1
            (handler, count, labels) = (menu.noInput, Int(session.noInputCount), (.noInput, .noInputLimit))
        } else if let key = menu.keys.first(where: { $0.keys == digits }) {
            out.took(.key(key.keys), from: session.state)
            if case .go = key.target { session.trail.push(session.state) }
            follow(key.target, &session, now: now, into: &out, hops: 0)
            return
        } else {
            session.wrongKeyCount &+= 1
            (handler, count, labels) = (menu.wrongKey, Int(session.wrongKeyCount), (.wrongKey, .wrongKeyLimit))
        }
        if let (label, target) = giveUp(handler: handler, count: count, maxAttempts: menu.maxAttempts, exhausted: menu.exhausted,
                                        limitLabel: labels.limit, session) {
            out.took(label, from: session.state)
            follow(target, &session, now: now, into: &out, hops: 0)
            return
        }
        out.took(labels.again, from: session.state)
        if let message = handler.message { append(message, session, into: &out.plays) }
        turn(menu.turns, attempt: failures(session), maxDigits: menu.maxDigits, timeout: menu.timeoutMilliseconds, session, into: &out)
    }

    private func failures(_ session: Session) -> Int { Int(session.noInputCount) + Int(session.wrongKeyCount) }

    /// After a silence or a wrong key: where the call goes when the handler's own limit or the
    /// state's attempts are used up; `nil` means another turn.
    private func giveUp(handler: Handler, count: Int, maxAttempts: Int, exhausted: Target, limitLabel: EdgeLabel,
                        _ session: Session) -> (EdgeLabel, Target)? {
        if let limit = handler.limit, count >= limit { return (limitLabel, handler.then ?? exhausted) }
        if failures(session) >= maxAttempts { return (.attemptsExhausted, exhausted) }
        return nil
    }

    // MARK: Collections

    private func receive(_ digits: String, in collect: CollectNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        if digits.isEmpty {
            session.noInputCount &+= 1
            if let (label, target) = giveUp(handler: collect.noInput, count: Int(session.noInputCount), maxAttempts: collect.maxAttempts,
                                            exhausted: collect.exhausted, limitLabel: .noInputLimit, session) {
                out.took(label, from: session.state)
                follow(target, &session, now: now, into: &out, hops: 0)
                return
            }
            out.took(.noInput, from: session.state)
            if let message = collect.noInput.message { append(message, session, into: &out.plays) }
            turn(collect.turns, attempt: failures(session), maxDigits: collect.gatherDigits, timeout: collect.timeoutMilliseconds, session, into: &out)
            return
        }
        var input = Substring(digits)
        if let finish = collect.finishKey, input.utf8.last == finish { input = input.dropLast() }
        let value = String(input)
        let valid = collect.digits.contains(value.utf8.count) && value.utf8.allSatisfy(ASCII.isDigit)
            && (collect.validator?.isValid(value) ?? true)
        guard valid else {
            invalid(collect, &session, now: now, into: &out)
            return
        }
        session.variables.set(collect.variable, to: value, sensitive: collect.sensitive)
        if let readBack = collect.readBack, let ask = collect.ask {
            out.took(.readBack, from: session.state)
            var pieces = pieces(of: readBack, session)
            for key in value.utf8 { if let piece = keyPlays[key] { pieces.append(piece) } }
            pieces += self.pieces(of: ask, session)
            gather(pieces, maxDigits: 1, timeout: collect.timeoutMilliseconds, into: &out)
            session.phase = .awaitingConfirmation
        } else {
            out.took(.valid, from: session.state)
            follow(collect.next, &session, now: now, into: &out, hops: 0)
        }
    }

    private func invalid(_ collect: CollectNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        session.wrongKeyCount &+= 1
        if failures(session) >= collect.maxAttempts {
            out.took(.attemptsExhausted, from: session.state)
            follow(collect.exhausted, &session, now: now, into: &out, hops: 0)
            return
        }
        out.took(.invalid, from: session.state)
        if let message = collect.invalidMessage { append(message, session, into: &out.plays) }
        turn(collect.turns, attempt: failures(session), maxDigits: collect.gatherDigits, timeout: collect.timeoutMilliseconds, session, into: &out)
    }

    private func confirm(_ digits: String, in collect: CollectNode, _ session: inout Session, now: Date, into out: inout StepOutput) {
        if digits == "1" {
            out.took(.confirmed, from: session.state)
            follow(collect.next, &session, now: now, into: &out, hops: 0)
            return
        }
        // Anything else (silence included): the value was not right; collect it again.
        session.variables.remove(collect.variable)
        session.phase = .awaitingKeys
        if digits.isEmpty { session.noInputCount &+= 1 } else { session.wrongKeyCount &+= 1 }
        if failures(session) >= collect.maxAttempts {
            out.took(.attemptsExhausted, from: session.state)
            follow(collect.exhausted, &session, now: now, into: &out, hops: 0)
            return
        }
        out.took(.notConfirmed, from: session.state)
        turn(collect.turns, attempt: failures(session), maxDigits: collect.gatherDigits, timeout: collect.timeoutMilliseconds, session, into: &out)
    }

    // MARK: Moving between states

    private func follow(_ target: Target, _ session: inout Session, now: Date, into out: inout StepOutput, hops: Int) {
        switch target {
        case .go(let state):
            enter(state, &session, now: now, into: &out, hops: hops + 1)
        case .back:
            let previous = session.trail.pop() ?? flow.mainMenu ?? flow.start
            enter(previous, &session, now: now, into: &out, hops: hops + 1)
        case .mainMenu:
            session.trail.removeAll()
            enter(flow.mainMenu ?? flow.start, &session, now: now, into: &out, hops: hops + 1)
        case .dial(let spec):
            if let dial = dial(spec, session) {
                finish(.dial(dial), &session, into: &out, prepared: spec.prepared)
            } else {
                out.note = "transfer number from the call is not E.164"
                finish(.reject(.rejected), &session, into: &out)
            }
        case .voicemail: finish(.dial(.voicemail), &session, into: &out)
        case .reject(let reason): finish(.reject(reason), &session, into: &out)
        case .hangup: finish(.hangup, &session, into: &out)
        }
    }

    /// Ends the call with `verb`; `prepared` is the whole answer rendered in advance when
    /// the verb depends on nothing (the fixed endings are found here).
    private func finish(_ verb: FinalVerb, _ session: inout Session, into out: inout StepOutput, prepared: Response? = nil) {
        out.final = verb
        session.phase = .finished
        guard out.plays.isEmpty else {
            out.prepared = nil
            return
        }
        switch verb {
        case .hangup: out.prepared = preparedHangup
        case .dial(let dial) where dial.target == .voicemail: out.prepared = preparedVoicemail
        case .reject(.busy): out.prepared = preparedBusy
        case .reject(.rejected): out.prepared = preparedRejected
        default: out.prepared = prepared
        }
    }

    private func enter(_ state: UInt16, _ session: inout Session, now: Date, into out: inout StepOutput, hops: Int) {
        guard hops <= CallMachine.maxHops, Int(state) < flow.nodes.count else {
            out.note = "more than \(CallMachine.maxHops) states without waiting for the caller"
            finish(.hangup, &session, into: &out)
            return
        }
        session.state = state
        session.noInputCount = 0
        session.wrongKeyCount = 0
        session.phase = .idle
        switch flow.nodes[Int(state)] {
        case .menu(let menu):
            turn(menu.turns, attempt: 0, maxDigits: menu.maxDigits, timeout: menu.timeoutMilliseconds, session, into: &out)
            session.phase = .awaitingKeys
        case .collect(let collect):
            turn(collect.turns, attempt: 0, maxDigits: collect.gatherDigits, timeout: collect.timeoutMilliseconds, session, into: &out)
            session.phase = .awaitingKeys
        case .announce(let announce):
            playAnnouncement(announce.prompt, session, into: &out.plays)
            out.took(.next, from: state)
            follow(announce.next, &session, now: now, into: &out, hops: hops)
        case .decide(let decide):
            let context = CallContext(callId: session.callId, call: session.call, variables: session.variables, now: now)
            let target: Target
            if let branch = decide.branches.first(where: { $0.condition.test(context) }) {
                out.took(.branch(branch.condition.label), from: state)
                target = branch.target
            } else {
                out.took(.otherwise, from: state)
                target = decide.otherwise
            }
            follow(target, &session, now: now, into: &out, hops: hops)
        case .lookup:
            session.phase = .awaitingLookup
            out.lookup = state
        case .undefined:
            out.note = "state \(flow.stateName(state)) is not defined"
            finish(.hangup, &session, into: &out)
        }
    }

    // MARK: Building the answer

    /// A turn that waits for keys: the prompt in the `Gather`, its parts joined into one
    /// composed prompt when there are several (so a key interrupts all of it).
    private func turn(_ turns: [CompiledPrompts], attempt: Int, maxDigits: Int, timeout: Int, _ session: Session, into out: inout StepOutput) {
        let turn = min(attempt, turns.count - 1)
        let prompts = turns[turn]
        guard let play = prompts.fixedPlay else {
            gather(pieces(of: prompts, session), maxDigits: maxDigits, timeout: timeout, into: &out)
            return
        }
        out.final = .gather(Gather(checkedOnData: callbackURL, maxDigits: maxDigits, timeoutMilliseconds: timeout, play: play))
        // The same answer rendered once, when nothing is played before it (callers pass the
        // turns of the call's state, whose prepared answers these are).
        let ready = preparedTurns[Int(session.state)]
        out.prepared = out.plays.isEmpty && turn < ready.count ? ready[turn] : nil
    }

    /// A `Gather` playing `pieces`: one piece as is, several composed into one, or, past
    /// what one composed prompt may hold, all but the last as plays before it.
    private func gather(_ pieces: [(prompt: Prompt, play: Play)], maxDigits: Int, timeout: Int, into out: inout StepOutput) {
        var nested = pieces.last?.play
        if pieces.count > 1 {
            if let url = environment.composedURL(pieces.map(\.prompt)) {
                nested = Play(url)
            } else {
                out.plays.append(contentsOf: pieces.dropLast().map(\.play))
            }
        }
        out.prepared = nil
        out.final = .gather(Gather(checkedOnData: callbackURL, maxDigits: maxDigits, timeoutMilliseconds: timeout, play: nested))
    }

    /// The recordings of a turn, read-outs expanded to one recording per key.
    private func pieces(of prompts: CompiledPrompts, _ session: Session) -> [(prompt: Prompt, play: Play)] {
        var pieces: [(prompt: Prompt, play: Play)] = []
        for part in prompts.parts {
            switch part {
            case .file(let prompt, let play): pieces.append((prompt, play))
            case .digits(let variable):
                for key in (session.variables[variable] ?? "").utf8 { if let piece = keyPlays[key] { pieces.append(piece) } }
            }
        }
        return pieces
    }

    /// An announcement: one `Play`, its pieces composed into one file when there are several
    /// (a read-out of ten digits is one fetch for sipgate, not ten).
    private func playAnnouncement(_ prompts: CompiledPrompts, _ session: Session, into plays: inout [Play]) {
        if let fixed = prompts.fixedPlay {
            if let fixed { plays.append(fixed) }
            return
        }
        let pieces = pieces(of: prompts, session)
        if pieces.count > 1, let url = environment.composedURL(pieces.map(\.prompt)) {
            plays.append(Play(url))
        } else {
            plays.append(contentsOf: pieces.map(\.play))
        }
    }

    /// Plays that precede the final verb (handler messages).
    private func append(_ prompts: CompiledPrompts, _ session: Session, into plays: inout [Play]) {
        if let prebuilt = prompts.prebuilt {
            plays.append(contentsOf: prebuilt)
            return
        }
        plays.append(contentsOf: pieces(of: prompts, session).map(\.play))
    }

    private func dial(_ spec: DialSpec, _ session: Session) -> Dial? {
        if let prebuilt = spec.prebuilt { return prebuilt }
        var numbers: [E164Number] = []
        for source in spec.numbers {
            guard let text = resolve(source, session), let number = try? E164Number(text) else { return nil }
            numbers.append(number)
        }
        var callerId: E164Number?
        if let source = spec.callerId, let text = resolve(source, session) {
            callerId = try? E164Number(text)
        }
        return try? Dial(.numbers(numbers), callerId: callerId, anonymous: spec.anonymous)
    }

    private func resolve(_ source: Transfer.Number, _ session: Session) -> String? {
        switch source {
        case .fixed(let text): text
        case .dialled: session.call.to
        case .variable(let name): session.variables[name]
        case .perUser(let table, let fallback): session.call.users.first.flatMap { table[$0] } ?? fallback
        }
    }

    private func target(for step: ErasedStep) -> Target? {
        switch step {
        case .go(let name): flow.stateIndex(named: name).map { .go($0) }
        case .transfer(let transfer):
            .dial(DialSpec(numbers: transfer.numbers, callerId: transfer.callerId, anonymous: transfer.anonymous, prebuilt: nil,
                           prepared: nil))
        case .voicemail: .voicemail
        case .reject(let reason): .reject(reason)
        case .hangup: .hangup
        case .back: .back
        case .mainMenu: .mainMenu
        }
    }
}

extension Gather {
    /// For values the flow compiler checked already.
    init(checkedOnData onData: AbsoluteURL, maxDigits: Int, timeoutMilliseconds: Int, play: Play?) {
        self.onData = onData
        self.maxDigits = max(maxDigits, 1)
        self.timeoutMilliseconds = max(timeoutMilliseconds, 1)
        self.play = play
    }
}

/// How a look-up ended.
public enum LookupOutcome: Sendable {
    case finished(ErasedLookupResult)
    /// The result the look-up declares under this name in ``Lookup/outcomes``.
    case named(String)
    case failed(String)
    case timedOut
}
