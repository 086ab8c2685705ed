import FoundationEssentials
import Testing

@testable import Touchtone

/// The call's state machine on its own: a session and a time go in, the session changes and
/// a typed result comes out (answer with this, or run this look-up first). No engine, no
/// store: these are the rules every push of every call goes through.
@Suite struct CallMachineTests {
    enum Shop: String, FlowState {
        case entry, menu, pin, confirmNumber, hold, check, again, thanks, loop1, loop2
    }

    enum Checked: String, LookupOutcome {
        case ok, retry, twice
    }

    static let shop = Flow("shop", states: Shop.self, start: .entry) {
        Announce(.entry, play: "welcome", then: .go(.menu))
        Menu(.menu, prompt: "menu") {
            Key("1", .go(.pin))
            Key("2", .go(.hold))
            Key("3", .go(.confirmNumber))
            Key("0", .transfer(to: "4921199999999"))
            Key("7", .go(.loop1))
            NoInput(play: "no-input")
            WrongKey(play: "invalid-option")
        }
        .reprompts("menu-short")
        .attempts(3, then: .voicemail)
        Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.thanks)) {
            WrongKey(play: "pin-invalid", limit: 2, then: .reject(.busy))
        }
        .sensitive()
        .attempts(5, then: .hangup)
        Collect(.confirmNumber, into: "number", digits: 2...3, prompt: "enter-number", next: .go(.thanks))
            .confirm(readBack: "you-entered", ask: "press-1-if-correct")
            .attempts(2, then: .hangup)
        Announce(.hold, play: "please-wait", then: .go(.check))
        Lookup(.check, outcomes: Checked.self, fallback: .go(.menu)) { _ in
            .init(.ok)
        } then: { outcome in
            switch outcome {
            case .ok: .go(.thanks)
            case .retry: .go(.menu)
            case .twice: .go(.again)
            }
        }
        Announce(.again, play: "please-wait", then: .go(.check))
        Announce(.thanks, play: "thanks", then: .hangup)
        // Loops that never wait for the caller: the compiler refuses them, the machine survives them.
        Announce(.loop1, play: "welcome", then: .go(.loop2))
        Announce(.loop2, play: "welcome", then: .go(.loop1))
    }

    let machine: CallMachine
    let flow: CompiledFlow
    let now = Date(timeIntervalSince1970: 1_796_029_200)

    init() throws {
        let environment = CompileEnvironment(publicURL: try AbsoluteURL(testBase))
        let (flow, problems) = Self.shop.compile(in: environment)
        #expect(
            problems.map(\.description) == [
                "shop.loop1: has no way out: no path from here transfers, rejects or ends the call",
                "shop.loop2: has no way out: no path from here transfers, rejects or ends the call",
                "shop.check: loops without waiting for the caller: check -> again -> check",
                "shop.loop1: loops without waiting for the caller: loop1 -> loop2 -> loop1",
            ])
        self.flow = flow
        machine = CallMachine(flow: flow, environment: environment)
    }

    func newSession() -> Session {
        Session(
            callId: "call-1", flow: "shop", flowVersion: 1, state: flow.start,
            call: CallData(from: "4915111111111", to: "4921100000", direction: .incoming), startedAt: now)
    }

    /// A session waiting in the menu (after the welcome).
    func inMenu() -> Session {
        var session = newSession()
        _ = machine.start(&session, now: now)
        return session
    }

    func answer(_ result: StepResult<CallMachine.Next>, sourceLocation: SourceLocation = #_sourceLocation) -> Response {
        guard case .answer(let response) = result.next else {
            Issue.record("expected an answer, got a look-up", sourceLocation: sourceLocation)
            return .empty
        }
        return response
    }

    func state(_ session: Session) -> String { flow.stateName(session.state) }

    // MARK: Answers

    @Test func aTurnWithNothingPlayedBeforeItIsTheAnswerPreparedAtCompileTime() throws {
        var entering = inMenu()
        let pin = machine.receive(digits: "1", &entering, now: now)  // into the collection: its prompt alone
        let prepared = try #require(flow.nodes[2].collectWait?.turn(0).prepared)
        #expect(answer(pin) == prepared.alone)
        #expect(answer(pin).rendered != nil)

        var session = inMenu()
        let retry = machine.receive(digits: "", &session, now: now)  // silence: message + re-prompt
        #expect(heard(answer(retry)) == ["no-input", "menu-short"])
        #expect(answer(retry).rendered == nil)  // something plays first: rendered for this call

        // The transfer to a fixed number is the same shared answer every time.
        let transfer = machine.receive(digits: "0", &session, now: now)
        guard case .dial(let dial) = answer(transfer).final else {
            Issue.record("expected a Dial")
            return
        }
        #expect(dial.target == .numbers([try! E164Number("4921199999999")]))
        #expect(answer(transfer).rendered != nil)
        #expect(session.phase == .finished)
    }

    @Test func anAnnouncementBeforeAMenuIsPlayedBeforeItsPreparedGather() throws {
        var session = newSession()
        let first = machine.start(&session, now: now)
        let response = answer(first)
        #expect(heard(response) == ["welcome", "menu"])
        #expect(response.plays.count == 1)
        #expect(response.rendered == nil)
        #expect(response.onAnswer == flow.callbacks && response.onHangup == flow.callbacks)
        #expect(state(session) == "menu" && session.phase == .awaitingKeys)
        #expect(flow.taken(first.edges) == [TakenEdge(from: 0, label: .next)])
        // The menu alone, as a repeated turn after a wrong key would be, is the prepared one.
        let gather = try #require(flow.nodes[1].menuWait?.turn(0).prepared)
        #expect(response.final == gather.verb)
        #expect(gather.alone.rendered != nil)
    }

    @Test func failedTurnsUseTheirHandlersThenTheAttempts() {
        var session = inMenu()
        #expect(heard(answer(machine.receive(digits: "5", &session, now: now))) == ["invalid-option", "menu-short"])
        #expect(session.wrongKeyCount == 1)
        #expect(heard(answer(machine.receive(digits: "", &session, now: now))) == ["no-input", "menu-short"])
        let exhausted = machine.receive(digits: "5", &session, now: now)
        guard case .dial(let dial) = answer(exhausted).final else {
            Issue.record("expected voicemail")
            return
        }
        #expect(dial.target == .voicemail)
        #expect(flow.taken(exhausted.edges) == [TakenEdge(from: 1, label: .attemptsExhausted)])
    }

    @Test func aCollectionsWrongKeyLimitLeadsWhereItsHandlerSays() {
        var session = inMenu()
        _ = machine.receive(digits: "1", &session, now: now)
        #expect(state(session) == "pin")
        #expect(machine.expectsSensitiveKeys(state: session.state, phase: session.phase))
        let invalid = machine.receive(digits: "12", &session, now: now)
        #expect(heard(answer(invalid)) == ["pin-invalid", "enter-pin"])
        #expect(flow.taken(invalid.edges) == [TakenEdge(from: 2, label: .invalid)])
        let limit = machine.receive(digits: "1", &session, now: now)
        #expect(answer(limit).final == .reject(.busy))
        #expect(flow.taken(limit.edges) == [TakenEdge(from: 2, label: .wrongKeyLimit)])
        #expect(!machine.expectsSensitiveKeys(state: session.state, phase: session.phase))
    }

    @Test func aReadBackIsConfirmedWithOneAndAskedAgainOtherwise() {
        var session = inMenu()
        _ = machine.receive(digits: "3", &session, now: now)
        let readBack = machine.receive(digits: "42", &session, now: now)
        #expect(session.phase == .awaitingConfirmation && session.variables["number"] == "42")
        guard case .gather(let gather) = answer(readBack).final else {
            Issue.record("expected a read-back")
            return
        }
        #expect(gather.maxDigits == 1)
        #expect(heard(answer(readBack)) == ["you-entered", "digit-4", "digit-2", "press-1-if-correct"])
        let notConfirmed = machine.receive(digits: "2", &session, now: now)
        #expect(heard(answer(notConfirmed)) == ["enter-number"])
        #expect(session.variables["number"] == nil && session.phase == .awaitingKeys)
        _ = machine.receive(digits: "43", &session, now: now)
        let confirmed = machine.receive(digits: "1", &session, now: now)
        #expect(heard(answer(confirmed)) == ["thanks"])
        #expect(answer(confirmed).final == .hangup)
        #expect(flow.taken(confirmed.edges).map(\.label) == [.confirmed, .next])
    }

    // MARK: Look-ups

    @Test func aLookUpIsRunFirstWithWhatWasToBePlayedBeforeIt() throws {
        var session = inMenu()
        session.variables.set("tier", to: "gold")
        let result = machine.receive(digits: "2", &session, now: now)
        guard case .lookup(let request) = result.next else {
            Issue.record("expected a look-up")
            return
        }
        #expect(flow.stateName(request.state) == "check")
        #expect(request.prefix.flatMap { ComposedPrompt.promptNames(inURL: $0.url.text) } == ["please-wait"])
        #expect(request.context.callId == "call-1" && request.context[variable: "tier"] == "gold" && request.context.now == now)
        #expect(session.phase == .awaitingLookup)
        // Keys while it runs change nothing.
        let stray = machine.receive(digits: "1", &session, now: now)
        #expect(stray.note == "look-up still running" && session.phase == .awaitingLookup)
        #expect(answer(stray).plays.isEmpty && answer(stray).final == nil)

        let done = machine.resume(
            .finished(ErasedLookupResult(outcome: "ok", setting: ["b": "2", "a": "1"])),
            prefix: request.prefix, &session, now: now)
        #expect(heard(done.next) == ["please-wait", "thanks"])
        #expect(done.next.final == .hangup)
        #expect(flow.taken(done.edges).map(\.label) == [.lookupResult("ok"), .next])
        #expect(session.variables.entries.map(\.name) == ["tier", "a", "b"])
    }

    @Test func aResultThatIsNoDeclaredOutcomeTakesTheFallback() {
        var session = inMenu()
        _ = machine.receive(digits: "2", &session, now: now)
        let result = machine.resume(.finished(ErasedLookupResult(outcome: "maybe", setting: ["x": "1"])), prefix: [], &session, now: now)
        #expect(result.note == "look-up result maybe is not one of its outcomes")
        #expect(flow.taken(result.edges).first?.label == .lookupFailure)
        #expect(state(session) == "menu" && session.variables["x"] == nil)
    }

    @Test func aResultOfAnotherOutcomeEnumTakesTheFallbackEvenWithADeclaredName() {
        enum Elsewhere: String, LookupOutcome { case ok }
        var session = inMenu()
        _ = machine.receive(digits: "2", &session, now: now)
        let result = machine.resume(.finished(ErasedLookupResult(LookupResult(Elsewhere.ok))), prefix: [], &session, now: now)
        #expect(result.note == "look-up result ok is not one of its outcomes")
        #expect(state(session) == "menu")
    }

    @Test func failuresAndDeadlinesTakeTheFallbackAndSaySo() {
        for (ending, note, label) in [
            (
                LookupEnding.failed(String(repeating: "e", count: 500)), "look-up failed: " + String(repeating: "e", count: 120),
                EdgeLabel.lookupFailure
            ),
            (.timedOut, "look-up passed its deadline", .lookupTimeout),
        ] {
            var session = inMenu()
            _ = machine.receive(digits: "2", &session, now: now)
            let result = machine.resume(ending, prefix: [], &session, now: now)
            #expect(result.note == note)
            #expect(flow.taken(result.edges).first?.label == label)
            #expect(heard(result.next) == ["menu"])
            #expect(result.next.rendered != nil)  // nothing before the menu: its prepared answer
        }
    }

    @Test func aLookUpLeadingStraightToAnotherEndsTheCall() {
        var session = inMenu()
        _ = machine.receive(digits: "2", &session, now: now)
        let result = machine.resume(.finished(ErasedLookupResult(outcome: "twice")), prefix: [], &session, now: now)
        #expect(result.note == "a look-up led to another look-up")
        #expect(heard(result.next) == ["please-wait"])
        #expect(result.next.final == .hangup)
        #expect(session.phase == .finished)
    }

    @Test func aResultWithNoLookUpWaitingChangesNothing() {
        var session = inMenu()
        let before = session
        let result = machine.resume(.timedOut, prefix: [], &session, now: now)
        #expect(result.note == "no look-up waiting")
        #expect(result.next.final == nil && result.next.plays.isEmpty)
        #expect(session == before)
    }

    // MARK: Guards

    @Test func keysWhenNothingWaitsForThemEndTheCall() {
        var session = inMenu()
        _ = machine.receive(digits: "0", &session, now: now)
        let late = machine.receive(digits: "1", &session, now: now)
        #expect(late.note == "no menu is waiting for keys")
        #expect(answer(late).final == .hangup)
        var lost = inMenu()
        lost.state = 999
        let outOfRange = machine.receive(digits: "1", &lost, now: now)
        #expect(outOfRange.note == "state out of range" && answer(outOfRange).final == .hangup)
    }

    @Test func silencesInARowEndTheCallAcrossStates() {
        var session = inMenu()
        session.silenceStreak = UInt8(flow.maxSilencesInARow - 1)
        let result = machine.receive(digits: "", &session, now: now)
        #expect(result.note == "\(flow.maxSilencesInARow) silences in a row")
        #expect(answer(result).final == .hangup && session.phase == .finished)
        var talking = inMenu()
        talking.silenceStreak = 5
        _ = machine.receive(digits: "5", &talking, now: now)
        #expect(talking.silenceStreak == 0)
    }

    @Test func aLoopThatNeverWaitsIsCutAfterMaxHops() {
        var session = inMenu()
        let result = machine.receive(digits: "7", &session, now: now)
        #expect(result.note == "more than \(CallMachine.maxHops) states without waiting for the caller")
        #expect(answer(result).final == .hangup)
        #expect(answer(result).plays.count == CallMachine.maxHops)
    }
}

extension Node {
    /// The key wait of a menu, for tests.
    var menuWait: KeyWait? {
        if case .menu(let menu) = self { return menu.wait }
        return nil
    }

    /// The key wait of a collection, for tests.
    var collectWait: KeyWait? {
        if case .collect(let collect) = self { return collect.wait }
        return nil
    }
}
