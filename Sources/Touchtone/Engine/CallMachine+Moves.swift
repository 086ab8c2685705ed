import FoundationEssentials

/// Moving between states, and building the answer on the way.
extension CallMachine {
    func follow(_ target: Target, _ session: inout Session, now: Date, into out: inout StepOutput, hops: Int) {
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
            if let prepared = spec.prepared {
                end(with: prepared, &session, into: &out)
            } else if let dial = dial(spec, session) {
                end(with: .dial(dial), &session, into: &out)
            } else {
                out.note = "transfer number from the call is not E.164"
                end(with: flow.endings.rejected, &session, into: &out)
            }
        case .voicemail: end(with: flow.endings.voicemail, &session, into: &out)
        case .reject(let reason): end(with: flow.endings.reject(reason), &session, into: &out)
        case .hangup: end(with: flow.endings.hangup, &session, into: &out)
        case .language(let code, let then): switchLanguage(to: code, then: then, &session, into: &out, hops: hops + 1)
        case .handOff(let handOff):
            // The engine moves the call to the other flow and lets its machine go on.
            out.end(handOff: handOff)
            session.phase = .finished
        }
    }

    /// Ends the flow's part in the call with a final verb prepared in advance.
    func end(with prepared: PreparedVerb, _ session: inout Session, into out: inout StepOutput) {
        out.end(with: prepared)
        session.phase = .finished
    }

    /// Ends the flow's part in the call with a final verb built for this call.
    func end(with verb: FinalVerb, _ session: inout Session, into out: inout StepOutput) {
        out.end(with: verb)
        session.phase = .finished
    }

    func enter(_ state: UInt16, _ session: inout Session, now: Date, into out: inout StepOutput, hops: Int) {
        guard hops <= CallMachine.maxHops, Int(state) < flow.nodes.count else {
            out.note = "more than \(CallMachine.maxHops) states without waiting for the caller"
            end(with: flow.endings.hangup, &session, into: &out)
            return
        }
        session.state = state
        session.noInputCount = 0
        session.wrongKeyCount = 0
        session.phase = .idle
        switch flow.nodes[Int(state)] {
        case .menu(let menu):
            turn(menu.wait, attempt: 0, session, into: &out)
            session.phase = .awaitingKeys
        case .collect(let collect):
            turn(collect.wait, attempt: 0, session, into: &out)
            session.phase = .awaitingKeys
        case .announce(let announce):
            playAnnouncement(announce.prompt, session, into: &out)
            out.took(.next, from: state)
            follow(announce.next, &session, now: now, into: &out, hops: hops)
        case .decide(let decide):
            let context = CallContext(callId: session.callId, call: session.call, variables: session.variables, now: now)
            let target: Target
            if let position = decide.branches.firstIndex(where: { $0.condition.test(context) }) {
                // By position: two branches may share a label (two `.closed(hours)`).
                out.took(edgeAt: position, from: state)
                target = decide.branches[position].target
            } else {
                out.took(.otherwise, from: state)
                target = decide.otherwise
            }
            follow(target, &session, now: now, into: &out, hops: hops)
        case .split(let split):
            let context = CallContext(callId: session.callId, call: session.call, variables: session.variables, now: now)
            let share = split.shares[split.share(for: context)]
            session.variables.set(split.variable, to: share.name)
            out.took(.share(share.name, percent: share.percent), from: state)
            follow(share.target, &session, now: now, into: &out, hops: hops)
        case .lookup(let node):
            session.phase = .awaitingLookup
            out.end(inLookup: state, node)
        case .undefined:
            out.note = "state \(flow.stateName(state)) is not defined"
            end(with: flow.endings.hangup, &session, into: &out)
        }
    }

    // MARK: Building the answer

    /// A turn that waits for keys: its `Gather` prepared when its prompt is fixed, else its
    /// pieces joined into one composed prompt (so a key interrupts all of it).
    func turn(_ wait: KeyWait, attempt: Int, _ session: Session, into out: inout StepOutput) {
        let turn = wait.turn(attempt)
        if let prepared = turn.prepared {
            out.end(with: prepared)
        } else {
            gather(pieces(of: turn.prompts, session), maxDigits: wait.maxDigits, timeout: wait.timeoutMilliseconds, into: &out)
        }
    }

    /// A `Gather` playing `pieces`: one piece as is, several composed into one, or, past
    /// what one composed prompt may hold, all but the last as plays before it.
    func gather(_ pieces: [(prompt: Prompt, play: Play)], maxDigits: Int, timeout: Int, into out: inout StepOutput) {
        var nested = pieces.last?.play
        if pieces.count > 1 {
            if let url = environment.composedURL(pieces.map(\.prompt)) {
                nested = Play(url)
            } else {
                out.play(pieces.dropLast().map(\.play))
            }
        }
        out.end(with: .gather(Gather(checkedOnData: flow.callbacks, maxDigits: maxDigits, timeoutMilliseconds: timeout, play: nested)))
    }

    /// The recordings of a turn, read-outs expanded to one recording per key.
    func pieces(of prompts: CompiledPrompts, _ session: Session) -> [(prompt: Prompt, play: Play)] {
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
    func playAnnouncement(_ prompts: CompiledPrompts, _ session: Session, into out: inout StepOutput) {
        switch prompts.audio {
        case .silence:
            break
        case .fixed(let play):
            out.play(play)
        case .perCall:
            let pieces = pieces(of: prompts, session)
            if pieces.count > 1, let url = environment.composedURL(pieces.map(\.prompt)) {
                out.play(Play(url))
            } else {
                out.play(pieces.map(\.play))
            }
        }
    }

    /// A handler's message, played before the next turn, recording by recording.
    func playMessage(_ prompts: CompiledPrompts, _ session: Session, into out: inout StepOutput) {
        out.play(prompts.prebuilt ?? pieces(of: prompts, session).map(\.play))
    }

    /// A transfer whose numbers come from the call; `nil` when one is not E.164.
    private func dial(_ spec: DialSpec, _ session: Session) -> Dial? {
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
}
