import FoundationEssentials
import Testing

@testable import Touchtone

enum Line: String, FlowState { case welcome, main, sales, support, pin, bye }

/// Version 1 of a small line, and version 2, which renamed `sales` to `shop` (a state gone)
/// and changed `main`'s prompt (a state kept).
func lineFlow(version: Int) -> Flow<Line> {
    Flow("line", version: version, states: Line.self, start: .welcome) {
        Announce(.welcome, play: "welcome", then: .go(.main))
        Menu(.main, prompt: version == 1 ? "main-menu" : "main-menu-short") {
            Key("1", .go(.sales))
            Key("2", .go(.support))
            Key("3", .go(.pin))
        }
        Menu(.sales, prompt: "sales-menu") { Key("1", .transfer(to: "4921100000001")) }
        Menu(.support, prompt: "support-menu") { Key("1", .transfer(to: "4921100000002")) }
        Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.bye)).sensitive()
        Announce(.bye, play: "goodbye", then: .hangup)
    }
}

enum LineV3: String, FlowState { case welcome, main, shop, support, pin, bye }

/// Version 3: `sales` is now `shop`.
func lineFlowV3() -> Flow<LineV3> {
    Flow("line", version: 3, states: LineV3.self, start: .welcome) {
        Announce(.welcome, play: "welcome", then: .go(.main))
        Menu(.main, prompt: "main-menu-last") {
            Key("1", .go(.shop))
            Key("2", .go(.support))
            Key("9", .go(.pin))
        }
        Menu(.shop, prompt: "shop-menu") { Key("1", .transfer(to: "4921100000001")) }
        Menu(.support, prompt: "support-menu") { Key("1", .transfer(to: "4921100000003")) }
        Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.bye))
        Announce(.bye, play: "goodbye", then: .hangup)
    }
}

/// A deploy never cuts a caller off: sessions of other flow versions, moved through the
/// shared store's binary form, are served by the version they began on when it is kept,
/// continue in the same state when it is there, and start again otherwise.
@Suite struct FlowVersionTests {
    let clock = ManualClock()

    func engine(_ routes: RoutingTable) throws -> Engine {
        try makeEngine(routes, clock: clock)
    }

    /// The session of `callId` on `old`, moved to `new` as Redis moves it.
    func move(_ callId: CallID, from old: Engine, to new: Engine) throws -> String? {
        let session = try #require(old.store.session(callId))
        let bytes = old.encodeRecord(session)
        let (adopted, note) = try #require(new.decodeRecord(bytes, callId: callId, now: clock.now()))
        #expect(new.store.insert(adopted) == .inserted)
        return note
    }

    func push(_ engine: Engine, _ event: WebhookEvent) -> (PushAnswer, EventRecord) {
        guard case .answer(let answer, let record) = engine.handle(event) else { return (.empty, EventRecord()) }
        return (answer, record)
    }

    @Test func aKeptVersionServesItsCallsAsTheyBegan() throws {
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try engine(RoutingTable { Route.default(lineFlowV3()) }.keeping(lineFlow(version: 1)))
        _ = push(old, newCall())
        #expect(try move("call-1", from: old, to: new) == nil)
        let (answer, record) = push(new, dtmf("3"))  // version 1's key 3: the PIN, which version 3's menu lacks
        #expect(record.stateAfter == "pin")
        #expect(heard(answer) == ["enter-pin"])
        // New calls get the routed version.
        let (fresh, _) = push(new, newCall("call-2"))
        #expect(heard(fresh) == ["welcome", "main-menu-last"])
    }

    @Test func aStateTheNewVersionHasContinuesThere() throws {
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try engine(RoutingTable { Route.default(lineFlowV3()) })
        _ = push(old, newCall())
        #expect(try move("call-1", from: old, to: new) == "line version 1 is not served here: continues in main of version 3")
        let (answer, record) = push(new, dtmf("2"))
        #expect(record.stateBefore == "main" && record.stateAfter == "support")
        #expect(heard(answer) == ["support-menu"])
        #expect(new.store.session("call-1")?.flowVersion == 3)
    }

    @Test func aRepeatAcrossADeployHearsTheQuestionAgainAndCountsOnce() throws {
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try engine(RoutingTable { Route.default(lineFlowV3()) })
        _ = push(old, newCall())
        guard case .answer(_, _) = old.handle(dtmf("7"), address: PushAddress(flow: "line", turn: 0)) else {
            Issue.record("no answer")
            return
        }
        _ = try move("call-1", from: old, to: new)
        // The first delivery's answer was a prepared one of version 1: version 3 cannot send
        // it, so the repeat hears version 3's question for the same turn.
        guard case .answer(let again, let record) = new.handle(dtmf("7"), address: PushAddress(flow: "line", turn: 0)) else {
            Issue.record("no answer")
            return
        }
        #expect(record.note == "repeated push")
        #expect(heard(again) == ["main-menu-last"])
        #expect(new.store.session("call-1")?.wrongKeyCount == 1, "the wrong key counts once")
    }

    @Test func aStateTheNewVersionLacksStartsTheFlowAgainWithAWord() throws {
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try engine(RoutingTable { Route.default(lineFlowV3()) })
        _ = push(old, newCall())
        _ = push(old, dtmf("1"))  // in sales, which version 3 calls shop
        let note = try move("call-1", from: old, to: new)
        #expect(note == "line version 1 is not served here and its state is not in version 3: starts line again")
        let (answer, record) = push(new, dtmf("1"))
        #expect(record.note == "the flow changed during the call: it starts again")
        #expect(heard(answer) == ["menu-changed", "welcome", "main-menu-last"], "never silence, never cut off")
        #expect(record.stateAfter == "main")
    }

    /// A package without `menu-changed.wav` (a user's own) still starts, and a call whose
    /// state is gone hears the flow's start; a prompt made `.always` is required.
    @Test func withoutTheMenuChangedRecordingTheFlowStartsAgainWithoutIt() throws {
        struct PromptsWithout: PromptCatalog {
            let missing: String
            func problem(with prompt: Prompt) -> String? { prompt.name == missing ? "Audio/\(missing).wav is missing" : nil }
        }
        var settings = EngineSettings(publicURL: try AbsoluteURL(testBase), prompts: PromptsWithout(missing: "menu-changed"))
        let routes = RoutingTable { Route.default(lineFlowV3()) }
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try Engine(routes: routes, store: InMemorySessionStore(), clock: clock, settings: settings)
        _ = push(old, newCall())
        _ = push(old, dtmf("1"))
        _ = try move("call-1", from: old, to: new)
        let (answer, record) = push(new, dtmf("1"))
        #expect(record.note == "the flow changed during the call: it starts again")
        #expect(heard(answer) == ["welcome", "main-menu-last"])

        settings.menuChangedPrompt = .always("menu-changed")
        do {
            _ = try Engine(routes: routes, store: InMemorySessionStore(), clock: clock, settings: settings)
            Issue.record("an engine without its required prompt started")
        } catch {
            #expect(
                error.problems.map(\.description) == [
                    "settings: the menu-changed prompt: Audio/menu-changed.wav is missing (or set menuChangedPrompt to .none)"
                ])
        }
    }

    /// A menu-changed recording that is there but does not play is refused, by the engine
    /// and by `check`, never skipped in silence.
    @Test func anUnplayableMenuChangedRecordingIsAProblem() throws {
        struct BadRecording: PromptCatalog {
            func problem(with prompt: Prompt) -> String? {
                prompt.name == "menu-changed" ? "prompt menu-changed: Audio/menu-changed.wav is not a WAV file" : nil
            }
            func isRecorded(_ prompt: Prompt) -> Bool { true }
        }
        let routes = RoutingTable { Route.default(lineFlowV3()) }
        let expected = [
            "settings: the menu-changed prompt: prompt menu-changed: Audio/menu-changed.wav is not a WAV file (or set menuChangedPrompt to .none)"
        ]
        let settings = EngineSettings(publicURL: try AbsoluteURL(testBase), prompts: BadRecording())
        do {
            _ = try Engine(routes: routes, store: InMemorySessionStore(), clock: clock, settings: settings)
            Issue.record("an engine with an unplayable menu-changed recording started")
        } catch {
            #expect(error.problems.map(\.description) == expected)
        }
        let environment = CompileEnvironment(publicURL: try AbsoluteURL(testBase), prompts: BadRecording())
        #expect(Engine.check(routes, environment: environment).map(\.description) == expected)
    }

    /// `check` finds what the engine refuses at start in kept versions too.
    @Test func checkLooksAtTheKeptVersions() throws {
        let environment = CompileEnvironment(publicURL: try AbsoluteURL(testBase))
        let twice = RoutingTable { Route.default(lineFlow(version: 1)) }.keeping(lineFlow(version: 1))
        #expect(
            Engine.check(twice, environment: environment).map(\.description) == [
                "line: version 1 is served twice: a kept version must be an earlier one"
            ])
        let fine = RoutingTable { Route.default(lineFlowV3()) }.keeping(lineFlow(version: 1))
        #expect(Engine.check(fine, environment: environment).isEmpty)
    }

    @Test func aFlowNoLongerServedStartsTheRoutedOne() throws {
        enum Other: String, FlowState { case menu }
        let other = Flow("other", states: Other.self, start: .menu) {
            Menu(.menu, prompt: "main-menu") { Key("1", .hangup) }
        }
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        let new = try engine(RoutingTable { Route.default(other) })
        _ = push(old, newCall())
        // The record names its flow by its id only: a flow unknown here shows as that id.
        #expect(
            try move("call-1", from: old, to: new) == "flow #\(String(FlowID.of("line"), radix: 16)) is not served here: starts other again"
        )
        let (answer, _) = push(new, dtmf("2"))
        #expect(heard(answer) == ["menu-changed", "main-menu"])
    }

    @Test func theStateFileNamesItsStatesForTheNextVersion() throws {
        let old = try engine(RoutingTable { Route.default(lineFlow(version: 1)) })
        _ = push(old, newCall())
        let (bytes, _) = SessionFile.encode(old.store.allSessions(), flows: old.flowStates)
        let contents = try SessionFile.decode(Data(bytes), path: "memory")
        #expect(contents.flows == [SessionFile.FlowStates(name: "line", version: 1, states: Line.allCases.map(\.rawValue))])
        let new = try engine(RoutingTable { Route.default(lineFlowV3()) })
        #expect(new.restore(contents.sessions, flows: contents.flows) == 1)
        let (answer, record) = push(new, dtmf("2"))
        #expect(record.stateAfter == "support")
        #expect(heard(answer) == ["support-menu"])
    }

    @Test func twoFlowsOfOneVersionAreRefused() throws {
        #expect(throws: FlowProblems.self) {
            try engine(RoutingTable { Route.default(lineFlow(version: 1)) }.keeping(lineFlow(version: 1)))
        }
    }
}

/// The binary form of a session in Redis: small, exact, and damage-proof.
@Suite struct SessionRecordTests {
    let clock = ManualClock()

    @Test func aSessionSurvivesItsRecord() throws {
        let engine = try makeEngine(RoutingTable { Route.default(deskFlow()) }, clock: clock)
        var sessions: [Session] = []
        func keep() { sessions.append(engine.store.session("call-1")!) }
        _ = engine.handle(newCall(users: ["Alice", "Bob"]))
        keep()
        _ = engine.handle(dtmf("7"))  // a wrong key: counters, and a built answer (a message before the menu)
        keep()
        _ = engine.handle(dtmf("1"))
        keep()  // a trail
        _ = engine.handle(dtmf("9"))
        _ = engine.handle(dtmf("2"))
        _ = engine.handle(dtmf("1234#"))
        keep()  // a sensitive variable
        _ = engine.handle(
            .newCall(
                NewCallEvent(
                    callId: "anon", from: "anonymous", to: "4921100000", direction: .incoming,
                    users: [], diversion: "4930123456")))
        sessions.append(engine.store.session("anon")!)
        for session in sessions {
            let bytes = engine.encodeRecord(session)
            let (back, note) = try #require(engine.decodeRecord(bytes, callId: session.callId, now: session.lastActivity))
            #expect(note == nil)
            #expect(back == session)
        }
    }

    @Test func aCallInTheReferenceMenuTakesNoMoreThanAShortRedisString() throws {
        // Redis keeps strings of up to 44 bytes in one allocation with their header (embstr):
        // the benchmark's call, with a 78-character callId and one user, must fit.
        enum Reference: String, FlowState { case menu }
        let flow = Flow("reference", states: Reference.self, start: .menu) {
            Menu(.menu, prompt: "welcome") {
                Key("1", .transfer(to: "4915799912345"))
                Key("2", .voicemail)
            }
            .attempts(3, then: .hangup)
        }
        let engine = try makeEngine(RoutingTable { Route.default(flow) }, clock: clock)
        let callId = CallID(String(repeating: "5", count: 62) + "00000000000186a0")
        _ = engine.handle(
            .newCall(
                NewCallEvent(
                    callId: callId, from: "492111234567", to: "4915791234567", direction: .incoming,
                    users: ["Alice"])))
        let record = engine.encodeRecord(try #require(engine.store.session(callId)))
        #expect(record.count <= 44, "\(record.count) bytes")
    }

    @Test func damagedRecordsReadAsNothing() throws {
        let engine = try makeEngine(RoutingTable { Route.default(deskFlow()) }, clock: clock)
        _ = engine.handle(newCall())
        _ = engine.handle(dtmf("7"))
        let bytes = engine.encodeRecord(try #require(engine.store.session("call-1")))
        for end in 0..<bytes.count {
            #expect(engine.decodeRecord(Array(bytes[..<end]), callId: "call-1", now: clock.now()) == nil)
        }
        #expect(engine.decodeRecord(bytes + [0], callId: "call-1", now: clock.now()) == nil)
        #expect(engine.decodeRecord([2] + bytes.dropFirst(), callId: "call-1", now: clock.now()) == nil, "another format")
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0xFF
            _ = engine.decodeRecord(damaged, callId: "call-1", now: clock.now())  // never traps
        }
    }
}
