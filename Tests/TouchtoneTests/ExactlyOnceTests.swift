import FoundationEssentials
import Testing

@testable import Touchtone

/// A push delivered twice advances its call once: the repeat gets the first answer again.
@Suite struct ExactlyOnceTests {
    let clock = ManualClock()

    func engine(_ flow: Flow<Desk> = deskFlow(), hooks: any HookRunner = DetachedHookRunner()) throws -> Engine {
        try makeEngine(RoutingTable { Route.default(flow) }, clock: clock, hooks: hooks)
    }

    /// The answer of `event` sent to `address`, with its turn.
    func push(_ engine: Engine, _ event: WebhookEvent, turn: UInt32?, sourceLocation: SourceLocation = #_sourceLocation)
        -> (answer: PushAnswer, record: EventRecord)
    {
        guard case .answer(let answer, let record) = engine.handle(event, address: PushAddress(flow: "desk", turn: turn)) else {
            Issue.record("expected an answer", sourceLocation: sourceLocation)
            return (.empty, EventRecord())
        }
        return (answer, record)
    }

    @Test func aRepeatedKeyPushGetsTheSameAnswerAndCountsOnce() throws {
        let engine = try engine()
        let first = push(engine, newCall(), turn: nil)
        #expect(first.answer.turn == 0)
        _ = push(engine, dtmf("2"), turn: 0)  // to the PIN entry: turn 1
        let wrong = push(engine, dtmf("0000#"), turn: 1)
        #expect(wrong.record.note == nil)
        #expect(engine.store.session("call-1")?.wrongKeyCount == 1)
        let again = push(engine, dtmf("0000#"), turn: 1)
        #expect(again.answer.xmlBytes == wrong.answer.xmlBytes, "the repeat hears what the first delivery heard")
        #expect(again.record.note == "repeated push")
        #expect(again.record.digits == EventRecord.maskedDigits, "a repeat never shows the keys: they may be a PIN")
        #expect(engine.store.session("call-1")?.wrongKeyCount == 1, "one PIN entry sent twice is one failed attempt")
        #expect(engine.store.session("call-1")?.turn == 2)
        #expect(engine.counters.repeatedPushes == 1)
        // The next push, for turn 2, advances the call again.
        _ = push(engine, dtmf("1234#"), turn: 2)
        #expect(engine.store.session("call-1")?.state == Desk.allCases.firstIndex(of: .customer).map(UInt16.init))
    }

    @Test func theTurnIsInEveryCallbackURL() throws {
        let engine = try engine()
        _ = push(engine, newCall(), turn: nil)
        let (answer, _) = push(engine, dtmf("7"), turn: 0)  // a wrong key: the menu again, turn 1
        let xml = answer.xml
        #expect(xml.contains(#"onAnswer="https://ivr.example.com?f=desk&amp;t=1""#))
        #expect(xml.contains(#"onHangup="https://ivr.example.com?f=desk&amp;t=1""#))
        #expect(xml.contains(#"onData="https://ivr.example.com?f=desk&amp;t=1""#))
    }

    @Test func aStalePushChangesNothingAndIsLogged() throws {
        let engine = try engine()
        _ = push(engine, newCall(), turn: nil)
        _ = push(engine, dtmf("7"), turn: 0)
        let current = push(engine, dtmf("7"), turn: 1)
        let before = engine.store.session("call-1")
        let stale = push(engine, dtmf("1"), turn: 0)
        #expect(stale.record.note == "stale push (turn 0; the call is at turn 2)")
        #expect(stale.answer.xmlBytes == current.answer.xmlBytes)
        #expect(engine.store.session("call-1") == before)
    }

    @Test func aPushWithoutATurnAdvancesTheCall() throws {
        let engine = try engine()
        _ = push(engine, newCall(), turn: nil)
        _ = push(engine, dtmf("7"), turn: nil)
        _ = push(engine, dtmf(""), turn: nil)
        #expect(engine.store.session("call-1")?.wrongKeyCount == 1)
        #expect(engine.store.session("call-1")?.noInputCount == 1)
        #expect(engine.store.session("call-1")?.turn == 2)
    }

    @Test func aPushAheadOfItsSessionAdvancesItAndTakesItsTurn() throws {
        // A session restored from an older save than the caller's last answer.
        let engine = try engine()
        _ = push(engine, newCall(), turn: nil)
        let (answer, record) = push(engine, dtmf("7"), turn: 5)
        #expect(record.note == nil)
        #expect(answer.turn == 6)
    }

    @Test func aRepeatedNewCallGetsTheFirstAnswer() throws {
        let engine = try engine()
        let first = push(engine, newCall(), turn: nil)
        _ = push(engine, dtmf("7"), turn: 0)
        let again = push(engine, newCall(), turn: nil)
        #expect(again.record.note == "repeated newCall")
        // The call moved on: the repeat hears the call's current answer, with its turn.
        #expect(again.answer.turn == 1)
        #expect(first.answer.xmlBytes != again.answer.xmlBytes)
        #expect(engine.store.count == 1)
    }

    @Test func aRepeatWhileTheLookUpRunsStartsItAgainAndTheFirstResultStands() async throws {
        let engine = try engine()
        _ = push(engine, newCall(), turn: nil)
        guard case .lookup(let first, _) = engine.handle(dtmf("3"), address: PushAddress(flow: "desk", turn: 0)) else {
            Issue.record("expected a look-up")
            return
        }
        guard case .lookup(let again, let againRecord) = engine.handle(dtmf("3"), address: PushAddress(flow: "desk", turn: 0)) else {
            Issue.record("a repeat while the look-up runs waits for it too")
            return
        }
        #expect(againRecord.note == "repeated push: look-up started again")
        let (firstAnswer, _) = first.complete(with: .finished(ErasedLookupResult(LookupResult(Caller.known, setting: ["name": "Ada"]))))
        // The second delivery's look-up finds another result, but the first one stands.
        let (secondAnswer, secondRecord) = again.complete(with: .finished(ErasedLookupResult(LookupResult(Caller.stranger))))
        #expect(secondRecord.note == "look-up finished by a repeated push")
        #expect(secondAnswer.xmlBytes == firstAnswer.xmlBytes)
        #expect(heard(firstAnswer) == ["hello-again", "welcome", "main-menu"])
        #expect(engine.store.session("call-1")?.turn == 1)
    }

    @Test func aRepeatedAnswerOrHangupRunsItsHooksOnce() async throws {
        let hooks = CollectingHookRunner()
        let answers = Lines()
        let hangups = Lines()
        let flow = deskFlow()
            .onAnswer { info in answers.append(info.callId.rawValue) }
            .onHangup { info in hangups.append(info.callId.rawValue) }
        let engine = try engine(flow, hooks: hooks)
        _ = push(engine, newCall(), turn: nil)
        _ = push(engine, dtmf("0"), turn: 0)  // transferred
        let answered = push(engine, .answer(AnswerEvent(callId: "call-1", user: "Bob")), turn: 1)
        let again = push(engine, .answer(AnswerEvent(callId: "call-1", user: "Bob")), turn: 1)
        #expect(answered.record.note == nil && again.record.note == "repeated answer")
        _ = push(engine, .hangup(HangupEvent(callId: "call-1", cause: .normalClearing)), turn: 1)
        _ = push(engine, .hangup(HangupEvent(callId: "call-1", cause: .normalClearing)), turn: 1)
        await hooks.drain()
        #expect(answers.all == ["call-1"])
        #expect(hangups.all == ["call-1"])
    }

    @Test func aPreparedAnswerWithItsTurnSplicedIsTheAnswerRenderedWithIt() throws {
        let callbacks = try AbsoluteURL("https://ivr.example.com/?f=desk")
        let plain = try AbsoluteURL("https://ivr.example.com/")
        for url in [callbacks, plain] {
            let response = Response(
                onAnswer: url, onHangup: url,
                then: .gather(try Gather(onData: url, play: Play(AbsoluteURL("https://ivr.example.com/audio/a&b.wav")))))
            let prepared = response.prerendered()
            for turn: UInt32? in [nil, 0, 9, 10, 4_294_967_295] {
                var rendered: [UInt8] = []
                response.render(into: &rendered, turn: turn)
                let spliced = PushAnswer(prepared, turn: turn)
                #expect(spliced.xmlBytes == rendered)
                #expect(spliced.renderedCount == rendered.count)
            }
        }
        var out: [UInt8] = []
        PushAnswer(Response(onAnswer: plain), turn: 3).render(into: &out)
        #expect(String(decoding: out, as: UTF8.self).contains(#"onAnswer="https://ivr.example.com/?t=3""#))
    }
}

@Suite struct PushAddressTests {
    @Test(
        arguments: [
            ("f=desk&t=3", "desk", 3),
            ("t=3&f=desk", "desk", 3),
            ("f=support%2Fhotline&t=0", "support/hotline", 0),
            ("t=4294967295", nil, 4_294_967_295),
            ("t=4294967296", nil, nil),
            ("t=-1", nil, nil),
            ("t=1e3", nil, nil),
            ("t=", nil, nil),
            ("t=00000000001", nil, nil),
            ("f=%ZZ&t=2", nil, 2),
            ("x=1&f=a+b", "a b", nil),
            ("", nil, nil),
        ] as [(String, String?, UInt32?)])
    func readsTheFlowAndTheTurn(query: String, flow: String?, turn: UInt32?) {
        let address = PushAddress(query: Array(query.utf8))
        #expect(address.flow == flow)
        #expect(address.turn == turn)
    }

    @Test func callbackURLsNameTheFlowEscaped() throws {
        let base = try AbsoluteURL("https://user:pw@ivr.example.com/hooks")
        #expect(
            PushAddress.callbacks(base: base, flow: "support/hotline ü").text
                == "https://user:pw@ivr.example.com/hooks?f=support%2Fhotline%20%C3%BC")
        let withQuery = try AbsoluteURL("https://ivr.example.com/?key=1")
        #expect(PushAddress.callbacks(base: withQuery, flow: "main").text == "https://ivr.example.com/?key=1&f=main")
    }

    @Test func aPublicURLWithAFragmentIsRefused() throws {
        let environment = CompileEnvironment(publicURL: try AbsoluteURL("https://ivr.example.com/#top"))
        let problems = Engine.check(RoutingTable { Route.default(deskFlow()) }, environment: environment)
        #expect(problems.contains { $0.message.contains("has a fragment") })
    }
}
