import FoundationEssentials
import Testing

@testable import Touchtone

final class Lines: Sendable {
    let lines = Lock<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

enum Desk: String, FlowState {
    case entry, main, support, pin, customer, account, identify, known, stranger, operatorDesk, bye
}

/// What the desk's look-up finds.
enum Caller: String, LookupOutcome {
    case known, stranger
}

struct CRMDown: Error, CustomStringConvertible { var description: String { "CRM down" } }

func deskFlow(
    lookup: @escaping @Sendable (CallContext) async throws -> LookupResult<Caller> = { _ in .init(.known, setting: ["name": "Ada"]) }
)
    -> Flow<Desk>
{
    Flow("desk", version: 3, states: Desk.self, start: .entry) {
        Decide(.entry) {
            When(.from(["4915100000666"]), .reject(.busy))
            When(.direction(.outgoing), .transfer(Transfer(numbers: [.dialled], callerId: .perUser(["Alice": "4921100001"], default: nil))))
            Otherwise(.go(.main))
        }
        Menu(.main, prompt: ["welcome", "main-menu"]) {
            Key("1", .go(.support))
            Key("2", .go(.pin))
            Key("3", .go(.identify))
            Key("0", .transfer(to: "4921199999999", callerId: "4921100000", anonymous: false))
            Key("9", .voicemail)
            NoInput(play: "no-input")
            WrongKey(play: "invalid-option", limit: 2, then: .go(.operatorDesk))
        }
        .reprompts("main-menu-short", "main-menu-last")
        .attempts(3, then: .go(.bye))
        Menu(.support, prompt: "support-menu") {
            Key("8", .back)
            Key("9", .mainMenu)
            Key("1", .hangup)
        }
        Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.customer)) {
            WrongKey(play: "pin-invalid")
        }
        .finishKey("#")
        .sensitive()
        .validate("not 0000") { $0 != "0000" }
        .attempts(3, then: .hangup)
        Collect(.customer, into: "customer", digits: 3...6, prompt: "enter-customer", next: .go(.account))
            .finishKey("#")
            .confirm(readBack: "you-entered", ask: "press-1-if-correct")
            .attempts(3, then: .hangup)
        Announce(.account, play: "account-ok", then: .hangup)
        Lookup(.identify, outcomes: Caller.self, deadline: .milliseconds(500), fallback: .go(.stranger), lookup) { caller in
            switch caller {
            case .known: .go(.known)
            case .stranger: .go(.stranger)
            }
        }
        Announce(.known, play: "hello-again", then: .go(.main))
        Announce(.stranger, play: "hello-stranger", then: .hangup)
        Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: "4921199999999"))
        Announce(.bye, play: "goodbye", then: .hangup)
    }
}

@Suite struct EngineTests {
    let clock = ManualClock()

    func engine(_ flow: Flow<Desk> = deskFlow(), store: InMemorySessionStore = InMemorySessionStore()) throws -> Engine {
        try makeEngine(RoutingTable { Route.default(flow) }, clock: clock, store: store)
    }

    @Test func newCallAnswersWithTheMenuAndAsksForCallbacks() throws {
        let engine = try engine()
        guard case .answer(let answer, let record) = engine.handle(newCall()) else {
            Issue.record("expected an answer")
            return
        }
        // Every callback names the flow and the turn: sipgate's next push says which answer it answers.
        #expect(
            answer.xml == """
                <?xml version="1.0" encoding="UTF-8"?>
                <Response onAnswer="\(testBase)?f=desk&amp;t=0" onHangup="\(testBase)?f=desk&amp;t=0">\
                <Gather onData="\(testBase)?f=desk&amp;t=0" maxDigits="1" timeout="5000" type="dtmf"><Play><Url>\(testBase)/audio/compose/welcome,main-menu.wav</Url></Play></Gather></Response>
                """)
        #expect(record.flow == "desk")
        #expect(record.stateAfter == "main")
        #expect(record.verb == "gather")
        #expect(engine.store.count == 1)
        #expect(engine.store.session("call-1")?.phase == .awaitingKeys)
    }

    @Test func keysLeadToStatesAndActions() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        let (support, record) = answerOf(engine, dtmf("1"))
        #expect(heard(support) == ["support-menu"])
        #expect(record.stateBefore == "main")
        #expect(record.stateAfter == "support")
        #expect(record.digits == "1")

        _ = answerOf(engine, newCall("call-2"))
        let (dial, _) = answerOf(engine, dtmf("0", "call-2"))
        guard case .dial(let d) = dial.final else {
            Issue.record("expected Dial, got \(dial.xml)")
            return
        }
        #expect(d.target == .numbers([try E164Number("4921199999999")]))
        #expect(d.callerId?.digits == "4921100000")
        #expect(d.anonymous == false)
        #expect(dial.xml.contains("<Dial callerId=\"4921100000\" anonymous=\"false\"><Number>4921199999999</Number></Dial>"))
        #expect(engine.store.session("call-2")?.phase == .finished)

        _ = answerOf(engine, newCall("call-3"))
        let (voicemail, vmRecord) = answerOf(engine, dtmf("9", "call-3"))
        #expect(voicemail.final == .dial(.voicemail))
        #expect(vmRecord.verb == "voicemail")
    }

    @Test func silenceAndWrongKeysHaveTheirOwnCountersAndRepromptsChange() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        let (first, _) = answerOf(engine, dtmf(""))
        #expect(heard(first) == ["no-input", "main-menu-short"])
        #expect(engine.store.session("call-1")?.noInputCount == 1)
        let (second, _) = answerOf(engine, dtmf("7"))
        #expect(heard(second) == ["invalid-option", "main-menu-last"])
        let session = try #require(engine.store.session("call-1"))
        #expect(session.noInputCount == 1)
        #expect(session.wrongKeyCount == 1)
        // Third failure: three attempts used, the menu gives up.
        let (third, record) = answerOf(engine, dtmf(""))
        #expect(heard(third) == ["goodbye"])
        #expect(third.final == .hangup)
        #expect(record.stateAfter == "bye")
    }

    @Test func wrongKeyLimitGoesToItsOwnTarget() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, dtmf("7"))
        let (response, record) = answerOf(engine, dtmf("7"))
        #expect(heard(response) == ["connecting-operator"])
        #expect(record.stateAfter == "operatorDesk")
        guard case .dial = response.final else {
            Issue.record("expected Dial")
            return
        }
    }

    @Test func backAndMainMenuReturnWhereTheCallerCameFrom() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, dtmf("1"))
        let (back, record) = answerOf(engine, dtmf("8"))
        #expect(record.stateAfter == "main")
        #expect(heard(back) == ["welcome", "main-menu"])
        _ = answerOf(engine, dtmf("1"))
        let (main, mainRecord) = answerOf(engine, dtmf("9"))
        #expect(mainRecord.stateAfter == "main")
        #expect(heard(main) == ["welcome", "main-menu"])
        #expect(engine.store.session("call-1")?.trail.isEmpty == true)
    }

    @Test func callDataBranches() throws {
        let engine = try engine()
        let (blocked, _) = answerOf(engine, newCall(from: "4915100000666"))
        #expect(blocked.final == .reject(.busy))
        #expect(blocked.xml.contains("<Reject reason=\"busy\"/>"))

        let (outgoing, _) = answerOf(engine, newCall("out-1", to: "4930123456", direction: .outgoing, users: ["Alice"]))
        #expect(outgoing.xml.contains("<Dial callerId=\"4921100001\"><Number>4930123456</Number></Dial>"))

        let (unknownUser, _) = answerOf(engine, newCall("out-2", to: "4930123456", direction: .outgoing, users: ["Bob"]))
        #expect(unknownUser.xml.contains("<Dial><Number>4930123456</Number></Dial>"))

        let (invalid, record) = answerOf(engine, newCall("out-3", to: "anonymous", direction: .outgoing))
        #expect(invalid.final == .reject(.rejected))
        #expect(record.note == "transfer number from the call is not E.164")
    }

    @Test func pinCollectionStripsTheFinishKeyValidatesAndMasks() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        let (ask, _) = answerOf(engine, dtmf("2"))
        guard case .gather(let gather) = ask.final else {
            Issue.record("expected Gather")
            return
        }
        #expect(gather.maxDigits == 5)
        #expect(gather.timeoutMilliseconds == 8000)

        let (invalid, invalidRecord) = answerOf(engine, dtmf("0000#"))
        #expect(heard(invalid) == ["pin-invalid", "enter-pin"])
        #expect(invalidRecord.digits == EventRecord.maskedDigits)

        let (short, _) = answerOf(engine, dtmf("12#"))
        #expect(heard(short) == ["pin-invalid", "enter-pin"])

        let (next, record) = answerOf(engine, dtmf("4179#"))
        #expect(record.digits == EventRecord.maskedDigits)
        #expect(heard(next) == ["enter-customer"])
        #expect(engine.store.session("call-1")?.variables["pin"] == "4179")
        #expect(engine.store.session("call-1")?.variables.isSensitive("pin") == true)
    }

    @Test func aReadBackIsOneComposedPromptThatAKeyCanInterrupt() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, dtmf("2"))
        _ = answerOf(engine, dtmf("4179#"))
        let (readBack, record) = answerOf(engine, dtmf("417#"))
        #expect(record.digits == "417#")
        #expect(readBack.plays.isEmpty)
        guard case .gather(let gather) = readBack.final else {
            Issue.record("expected Gather")
            return
        }
        #expect(gather.maxDigits == 1)
        #expect(gather.play?.url.text == "\(testBase)/audio/compose/you-entered,digit-4,digit-1,digit-7,press-1-if-correct.wav")
        #expect(engine.store.session("call-1")?.phase == .awaitingConfirmation)

        let (done, doneRecord) = answerOf(engine, dtmf("1"))
        #expect(doneRecord.digits == "1")
        #expect(heard(done) == ["account-ok"])
        #expect(done.final == .hangup)
    }

    @Test func aRejectedReadBackCollectsAgainAndCountsAnAttempt() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, dtmf("2"))
        _ = answerOf(engine, dtmf("4179#"))
        _ = answerOf(engine, dtmf("417#"))
        let (again, _) = answerOf(engine, dtmf("2"))
        #expect(heard(again) == ["enter-customer"])
        let session = try #require(engine.store.session("call-1"))
        #expect(session.variables["customer"] == nil)
        #expect(session.wrongKeyCount == 1)
        _ = answerOf(engine, dtmf("99"))
        let (gone, _) = answerOf(engine, dtmf("x"))
        #expect(gone.final == .hangup)
    }

    @Test func aMenuPromptOfSeveralFilesIsComposedIntoOne() throws {
        let engine = try engine()
        let (response, _) = answerOf(engine, newCall())
        guard case .gather(let gather) = response.final else {
            Issue.record("expected Gather")
            return
        }
        #expect(response.plays.isEmpty)
        #expect(gather.play?.url.text == "\(testBase)/audio/compose/welcome,main-menu.wav")
    }

    @Test func lookupsAnswerAfterTheResultAndFallBackOnFailureOrDeadline() async throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        guard case .lookup(let pending, let record) = engine.handle(dtmf("3")) else {
            Issue.record("expected a look-up")
            return
        }
        #expect(record.stateAfter == "identify")
        #expect(pending.state == "identify")
        #expect(pending.context.call.from == "4915111111111")
        let (response, after) = await pending.run()
        #expect(heard(response) == ["hello-again", "welcome", "main-menu"])
        #expect(after.stateAfter == "main")
        #expect(engine.store.session("call-1")?.variables["name"] == "Ada")

        _ = answerOf(engine, newCall("call-2"))
        guard case .lookup(let failing, _) = engine.handle(dtmf("3", "call-2")) else {
            Issue.record("expected a look-up")
            return
        }
        let (fallback, note) = failing.complete(with: .failed("CRM down"))
        #expect(heard(fallback) == ["hello-stranger"])
        #expect(note.note == "look-up failed: CRM down")

        _ = answerOf(engine, newCall("call-3"))
        guard case .lookup(let late, _) = engine.handle(dtmf("3", "call-3")) else {
            Issue.record("expected a look-up")
            return
        }
        let (timeout, _) = late.complete(with: .timedOut)
        #expect(heard(timeout) == ["hello-stranger"])
        #expect(engine.counters.lookupTimeouts == 1)
        #expect(engine.counters.lookupFailures == 1)
    }

    @Test func aThrowingLookupFallsBack() async throws {
        let engine = try engine(deskFlow { _ in throw CRMDown() })
        _ = answerOf(engine, newCall())
        guard case .lookup(let pending, _) = engine.handle(dtmf("3")) else {
            Issue.record("expected a look-up")
            return
        }
        let (response, record) = await pending.run()
        #expect(heard(response) == ["hello-stranger"])
        #expect(record.note == "look-up failed: CRM down")
    }

    @Test func aSlowLookupPassesItsDeadlineAndIsCancelled() async throws {
        let (cancelled, signal) = AsyncStream<Bool>.makeStream()
        let engine = try engine(
            deskFlow { _ in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    signal.yield(true)  // the deadline cancelled the work
                    throw error
                }
                signal.yield(false)
                return .init(.known)
            })
        _ = answerOf(engine, newCall())
        guard case .lookup(let pending, _) = engine.handle(dtmf("3")) else {
            Issue.record("expected a look-up")
            return
        }
        let (response, record) = await pending.run()
        #expect(heard(response) == ["hello-stranger"])
        #expect(record.note == "look-up passed its deadline")
        var events = cancelled.makeAsyncIterator()
        #expect(await events.next() == true)
    }

    @Test func aCallThatEndsDuringItsLookUpIsLoggedWithWhereItWas() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        guard case .lookup(let pending, _) = engine.handle(dtmf("3")) else {
            Issue.record("expected a look-up")
            return
        }
        _ = answerOf(engine, .hangup(HangupEvent(callId: "call-1", cause: .normalClearing)))
        let (response, record) = pending.complete(with: .timedOut)
        #expect(response == .empty)
        #expect(record.note == "call ended during its look-up")
        #expect(record.event == .dtmf)
        #expect(record.digits == "3")
        #expect(record.flow == "desk")
        #expect(record.stateBefore == "main")
        #expect(record.stateAfter == nil)
    }

    @Test func aHangupOfASessionWhoseFlowIsGoneStillNamesTheFlow() throws {
        let store = InMemorySessionStore()
        let call = CallData(from: "4915111111111", to: "4921100000", direction: .incoming, users: [])
        #expect(
            store.insert(
                Session(
                    callId: "old", flow: "retired", flowVersion: 1, state: 0, call: call,
                    startedAt: Date(timeIntervalSince1970: 0))) == .inserted)
        let engine = try engine(store: store)
        let (response, record) = answerOf(engine, .hangup(HangupEvent(callId: "old", cause: .normalClearing)))
        #expect(response == .empty)
        #expect(record.flow == "retired")
        #expect(record.stateBefore == nil)
        #expect(store.count == 0)
    }

    @Test func aRepeatedNewCallAnswersTheSameAndCreatesNothing() throws {
        let engine = try engine()
        let (first, _) = answerOf(engine, newCall())
        let (again, record) = answerOf(engine, newCall())
        #expect(first == again)
        #expect(record.note == "repeated newCall")
        #expect(engine.store.count == 1)
    }

    @Test func eventsForUnknownCallsGetADefinedAnswerAndAreCounted() throws {
        let engine = try engine()
        let (response, record) = answerOf(engine, dtmf("1", "nobody"))
        #expect(response.xml == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Hangup/></Response>")
        #expect(record.note == "unknown or expired call")
        let (answer, _) = answerOf(engine, .answer(AnswerEvent(callId: "nobody")))
        #expect(answer == .empty)
        let (hangup, _) = answerOf(engine, .hangup(HangupEvent(callId: "nobody", cause: .normalClearing)))
        #expect(hangup.xml == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>")
        #expect(engine.counters.unknownCallEvents == 3)
    }

    @Test func hangupEndsTheSessionAndAnswerIsRecorded() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, .answer(AnswerEvent(callId: "call-1", user: "Alice")))
        #expect(engine.store.session("call-1")?.answered == true)
        let (response, record) = answerOf(engine, .hangup(HangupEvent(callId: "call-1", cause: .unknown("somethingNew"))))
        #expect(response == .empty)
        #expect(record.note == "somethingNew")
        #expect(engine.store.count == 0)
    }

    @Test func silencesInARowEndTheCallAcrossStates() throws {
        enum Ping: String, FlowState { case a, b }
        let flow = Flow("ping", states: Ping.self, start: .a) {
            Menu(.a, prompt: "a") { Key("1", .hangup) }.attempts(2, then: .go(.b))
            Menu(.b, prompt: "b") { Key("1", .hangup) }.attempts(2, then: .go(.a))
        }
        .maxSilencesInARow(5)
        let engine = try makeEngine(RoutingTable { Route.default(flow) })
        _ = answerOf(engine, newCall())
        var last = Response.empty
        for _ in 0..<5 { last = answerOf(engine, dtmf("")).0 }
        #expect(last.final == .hangup)
        #expect(engine.store.session("call-1")?.phase == .finished)
    }

    @Test func hooksRunAndTheirFailuresNeverBreakTheCall() async throws {
        struct HookBroke: Error {}
        let seen = Lines()
        let flow = deskFlow()
            .onAnswer { info in seen.append("answer \(info.answeredBy ?? "-")") }
            .onHangup { info in
                seen.append("hangup \(info.cause?.rawValue ?? "-") in \(info.state)")
                throw HookBroke()
            }
        let runner = CollectingHookRunner()
        let engine = try makeEngine(RoutingTable { Route.default(flow) }, hooks: runner)
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, .answer(AnswerEvent(callId: "call-1", user: "Alice")))
        let (response, _) = answerOf(engine, .hangup(HangupEvent(callId: "call-1", cause: .cancel)))
        #expect(response == .empty)
        await runner.drain()
        // Each hook runs in its own task: they may finish in either order.
        #expect(seen.all.sorted() == ["answer Alice", "hangup cancel in main"])
        #expect(engine.counters.hookFailures == 1)
    }

    @Test func countersFollowEventsAndVerbs() throws {
        let engine = try engine()
        _ = answerOf(engine, newCall())
        _ = answerOf(engine, dtmf("9"))
        let counters = engine.counters
        #expect(counters.eventsByType[.newCall] == 1)
        #expect(counters.eventsByType[.dtmf] == 1)
        #expect(counters.answersByVerb["gather"] == 1)
        #expect(counters.answersByVerb["voicemail"] == 1)
    }

    @Test func aFullStoreLetsTheCallRingWithoutAMenu() throws {
        let engine = try engine(store: InMemorySessionStore(maxSessions: 1))
        _ = answerOf(engine, newCall("a"))
        let (response, record) = answerOf(engine, newCall("b"))
        #expect(response == .empty)
        #expect(record.note?.contains("full") == true)
        #expect(engine.counters.refusedFull == 1)
    }

    @Test func sessionsExpireByIdleTime() throws {
        let engine = try engine(store: InMemorySessionStore(idleTimeout: .seconds(60), shards: 1))
        _ = answerOf(engine, newCall())
        clock.advance(by: 61)
        #expect(engine.sweep() == 1)
        #expect(engine.counters.expiredSessions == 1)
        #expect(answerOf(engine, dtmf("1")).0.final == .hangup)
    }

    @Test func restoreAdoptsSessionsOfOtherFlowVersions() throws {
        let first = try engine()
        _ = answerOf(first, newCall())
        _ = answerOf(first, dtmf("1"))
        var saved = first.store.allSessions()
        var stale = saved[0]
        stale.callId = "old"
        stale.flowVersion = 2
        saved.append(stale)
        var unknown = saved[0]
        unknown.callId = "other-flow"
        unknown.flow = "gone"
        saved.append(unknown)

        let second = try engine()
        // Nobody is cut off by a restart: without the saved states' names, a session of
        // another version (or of a flow no longer served) starts its flow again.
        #expect(second.restore(saved) == 3)
        let (back, record) = answerOf(second, dtmf("8"))
        #expect(record.stateBefore == "support")
        #expect(heard(back) == ["welcome", "main-menu"])
        for id: CallID in ["old", "other-flow"] {
            let (again, restarted) = answerOf(second, dtmf("8", id))
            #expect(restarted.note == "the flow changed during the call: it starts again")
            #expect(heard(again) == ["menu-changed", "welcome", "main-menu"])
        }
    }

    @Test func routesPickFlowsByNumberAndDirection() throws {
        enum One: String, FlowState { case only }
        func flow(_ name: String) -> Flow<One> {
            Flow(name, states: One.self, start: .only) { Announce(.only, play: Prompts(stringLiteral: name), then: .hangup) }
        }
        let engine = try makeEngine(
            RoutingTable {
                Route(to: "+4921100000", flow: flow("hotline"))
                Route(direction: .outgoing, flow: flow("guard"))
            })
        #expect(heard(answerOf(engine, newCall("1", to: "4921100000")).0) == ["hotline"])
        #expect(heard(answerOf(engine, newCall("2", to: "4930", direction: .outgoing)).0) == ["guard"])
        let (none, record) = answerOf(engine, newCall("3", to: "4930"))
        #expect(none == .empty)
        #expect(record.note == "no route for this call")
        #expect(engine.counters.unrouted == 1)
    }
}

// MARK: - Answers rendered in advance

@Suite struct PreparedAnswerTests {
    /// The same answer, built field by field and rendered now.
    func fresh(_ answer: Response) -> Response {
        Response(onAnswer: answer.onAnswer, onHangup: answer.onHangup, plays: answer.plays, then: answer.final)
    }

    func check(_ answer: Response, prepared: Bool, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.xmlBytes == fresh(answer).xmlBytes, comment, sourceLocation: sourceLocation)
        #expect((answer.rendered != nil) == prepared, comment, sourceLocation: sourceLocation)
    }

    @Test func fixedAnswersComeRenderedAndSayExactlyWhatTheirFieldsSay() throws {
        let engine = try makeEngine(RoutingTable { Route.default(deskFlow()) })
        let (menu, _) = answerOf(engine, newCall("a"))
        check(menu, prepared: true, "the menu's composed prompt turn")
        let (reprompt, _) = answerOf(engine, dtmf("7", "a"))
        #expect(heard(reprompt) == ["invalid-option", "main-menu-short"])
        check(reprompt, prepared: false, "a message before the re-prompt")
        let (voicemail, _) = answerOf(engine, dtmf("9", "a"))
        check(voicemail, prepared: true, "voicemail")

        _ = answerOf(engine, newCall("b"))
        let (transfer, _) = answerOf(engine, dtmf("0", "b"))
        #expect(transfer.xml.contains("<Dial callerId=\"4921100000\" anonymous=\"false\"><Number>4921199999999</Number></Dial>"))
        check(transfer, prepared: true, "a transfer to a fixed number")

        let (busy, _) = answerOf(engine, newCall("c", from: "4915100000666"))
        #expect(busy.xml.contains("<Reject reason=\"busy\"/>"))
        check(busy, prepared: true, "reject")

        let (dialled, _) = answerOf(engine, newCall("d", direction: .outgoing))
        check(dialled, prepared: false, "a transfer to the dialled number")

        _ = answerOf(engine, newCall("e"))
        let (support, _) = answerOf(engine, dtmf("1", "e"))
        check(support, prepared: true, "a single-prompt menu")
        let (hangup, _) = answerOf(engine, dtmf("1", "e"))
        check(hangup, prepared: true, "hang-up")

        _ = answerOf(engine, newCall("f"))
        _ = answerOf(engine, dtmf("2", "f"))
        let (pin, _) = answerOf(engine, dtmf("1234#", "f"))
        check(pin, prepared: true, "the next collection's prompt")
        let (readBack, _) = answerOf(engine, dtmf("4711#", "f"))
        #expect(heard(readBack).contains("you-entered"))
        check(readBack, prepared: false, "a read-back depends on the call")

        let (unknown, _) = answerOf(engine, dtmf("1", "nobody"))
        check(unknown, prepared: false, "an unknown call")
    }
}

extension EngineTests {
    /// The call's answer and its idle clock belong to the session whatever flow it is in: a
    /// shared or restored store may hold calls of flows another instance serves.
    @Test func anAnswerMarksTheSessionOfAFlowNotServedHereAnsweredToo() throws {
        let store = InMemorySessionStore()
        let engine = try engine(store: store)
        _ = store.insert(
            Session(
                callId: "foreign-1", flow: "served-elsewhere", flowVersion: 1, state: 0,
                call: CallData(from: "491", to: "492", direction: .incoming), startedAt: clock.now()))
        clock.advance(by: 60)
        let (response, record) = answerOf(engine, .answer(AnswerEvent(callId: "foreign-1", user: "Alice")))
        #expect(response == .empty)
        #expect(record.flow == "served-elsewhere")
        let session = try #require(store.session("foreign-1"))
        #expect(session.answered)
        #expect(session.lastActivity == clock.now())
    }

    /// One push, one log line from where the call was: a look-up reached from `newCall`
    /// started in the look-up state.
    @Test func aLookUpReachedFromNewCallIsLoggedFromItsState() throws {
        enum Front: String, FlowState { case entry, identify, known }
        enum Found: String, LookupOutcome { case known }
        let flow = Flow("front", states: Front.self, start: .entry) {
            Announce(.entry, play: "welcome", then: .go(.identify))
            Lookup(.identify, outcomes: Found.self, fallback: .hangup) { _ in
                .init(.known)
            } then: { _ in
                .go(.known)
            }
            Announce(.known, play: "thanks", then: .hangup)
        }
        let engine = try makeEngine(RoutingTable { Route.default(flow) })
        guard case .lookup(let pending, _) = engine.handle(newCall()) else {
            Issue.record("expected a look-up")
            return
        }
        let (_, record) = pending.complete(with: .finished(ErasedLookupResult(outcome: "known")))
        #expect(record.event == .newCall)
        #expect(record.stateBefore == "identify")
        #expect(record.stateAfter == "known")
    }
}
