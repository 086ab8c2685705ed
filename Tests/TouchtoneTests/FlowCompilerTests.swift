import Testing

@testable import Touchtone

enum Broken: String, FlowState {
    case start, menu, orphan, loopA, loopB, pin, nowhere, stuck, dialTooMany, missing
}

@Suite struct FlowCompilerTests {
    let environment = CompileEnvironment(
        publicURL: try! AbsoluteURL("https://ivr.example.com"),
        prompts: FakePrompts(good: ["ok", "menu"], badFormat: ["stereo"]))

    func problems<S>(_ flow: Flow<S>) -> [String] {
        flow.compile(in: environment).1.map(\.description)
    }

    @Test func aGoodFlowHasNoProblems() {
        enum Good: String, FlowState { case menu, bye }
        let flow = Flow("good", states: Good.self, start: .menu) {
            Menu(.menu, prompt: "menu") {
                Key("1", .go(.bye))
                Key("2", .transfer(to: "4915799912345", "+4915799912346"))
            }
            Announce(.bye, play: "ok", then: .hangup)
        }
        #expect(problems(flow) == [])
    }

    @Test func everyProblemIsListedAtOnceWithFlowAndState() {
        let flow = Flow("broken", states: Broken.self, start: .start) {
            Menu(.start, prompt: "menu") {
                Key("1", .go(.missing))
                Key("1", .go(.menu))
                Key("12", .go(.loopA))
                Key("x", .hangup)
                Key("3", .go(.pin))
                Key("4", .go(.stuck))
                Key("5", .go(.dialTooMany))
                Key("6", .transfer(to: "0049123", callerId: "abc"))
            }
            Menu(.menu, prompt: ["nope", "stereo"]) {
                Key("1", .go(.menu))
            }
            .attempts(2, then: .go(.menu))
            Announce(.orphan, play: "ok", then: .hangup)
            Announce(.loopA, play: "ok", then: .go(.loopB))
            Decide(.loopB) { Otherwise(.go(.loopA)) }
            Collect(.pin, into: "pin", digits: 4...4, prompt: "ok", next: .hangup).finishKey("5")
            Menu(.stuck, prompt: "ok") { Key("1", .go(.stuck)) }.attempts(3, then: .go(.start))
            Announce(.dialTooMany, play: "ok", then: .transfer(to: "491", "492", "493", "494", "495", "496"))
            Announce(.orphan, play: "ok", then: .hangup)
        }
        let found = problems(flow)
        let expected = [
            "broken.orphan: is defined more than once",
            "broken.start: leads to missing, which is not defined",
            "broken.start: key \"x\" has characters that are not on a keypad (0-9 * # A-D)",
            "broken.start: key 1 is used more than once",
            "broken.start: key 12 is longer than the 1 digit(s) the menu collects; set .maxDigits(2)",
            "broken.start: \"0049123\" is not an E.164 number (digits, country code first, no leading 0)",
            "broken.start: \"abc\" is not an E.164 number (digits, country code first, no leading 0)",
            "broken.menu: prompt nope: Audio/nope.wav is missing",
            "broken.menu: prompt stereo: is PCM, stereo, 16-bit, 44100 Hz",
            "broken.menu: attempts exhausted leads back to menu itself: a silent caller would loop for ever",
            "broken.pin: finish key 5 is also a digit the caller enters; use # or *",
            "broken.dialTooMany: a transfer rings at most 5 numbers at once, not 6",
            "broken.orphan: is unreachable from the start state start",
            "broken.menu: has no way out: no path from here transfers, rejects or ends the call",
            "broken.loopA: has no way out: no path from here transfers, rejects or ends the call",
            "broken.loopB: has no way out: no path from here transfers, rejects or ends the call",
            "broken.loopA: loops without waiting for the caller: loopA -> loopB -> loopA",
        ]
        for problem in expected {
            #expect(found.contains(problem), "missing problem: \(problem)\nall: \(found.joined(separator: "\n"))")
        }
        #expect(found.count == expected.count, "unexpected problems: \(found.filter { !expected.contains($0) })")
    }

    @Test func undefinedStartAndEmptyRoutingTableAreRefusedByTheEngine() throws {
        enum Two: String, FlowState { case a, b }
        let flow = Flow("two", states: Two.self, start: .b) {
            Announce(.a, play: "ok", then: .hangup)
        }
        let url = try AbsoluteURL("https://x.example")
        let error = #expect(throws: FlowProblems.self) {
            _ = try Engine(
                routes: RoutingTable { Route.default(flow) }, store: InMemorySessionStore(), settings: EngineSettings(publicURL: url))
        }
        #expect(
            Set(error?.problems.map(\.description) ?? []) == [
                "two.a: is unreachable from the start state b", "two: start state b is not defined",
            ])
        #expect(throws: FlowProblems.self) {
            _ = try Engine(
                routes: RoutingTable(routes: []), store: InMemorySessionStore(),
                settings: EngineSettings(publicURL: try AbsoluteURL("https://x.example")))
        }
    }

    @Test func multiDigitKeysThatShadowEachOtherAreReported() {
        enum M: String, FlowState { case m }
        let flow = Flow("m", states: M.self, start: .m) {
            Menu(.m, prompt: "menu") {
                Key("1", .hangup)
                Key("11", .voicemail)
            }.maxDigits(2)
        }
        #expect(problems(flow) == ["m.m: key 1 is the start of a longer key; the caller can never choose it before the timeout"])
    }

    @Test func lookupDeadlinesMustStayUnderSipgatesLimit() {
        enum L: String, FlowState { case l }
        enum Done: String, LookupOutcome { case done }
        let flow = Flow("l", states: L.self, start: .l) {
            Lookup(.l, outcomes: Done.self, deadline: .seconds(12), fallback: .hangup) { _ in
                .init(.done)
            } then: { _ in
                .hangup
            }
        }
        #expect(problems(flow) == ["l.l: look-up deadline 12.0 seconds is too close to sipgate's 10 s limit (at most 8.0 seconds)"])
    }

    @Test func promptNamesMustBePlainFileNames() {
        enum P: String, FlowState { case p }
        let flow = Flow("p", states: P.self, start: .p) {
            Announce(.p, play: "../etc/passwd", then: .hangup)
        }
        #expect(problems(flow) == ["p.p: prompt name \"../etc/passwd\" may only use letters, digits, '.', '_' and '-'"])
    }
}

@Suite struct ComposedPromptTests {
    @Test func namesRoundTripAndAreBounded() {
        let prompts: [Prompt] = ["you-entered", "digit-4", "digit-1"]
        #expect(ComposedPrompt.fileName(for: prompts) == "you-entered,digit-4,digit-1.wav")
        #expect(ComposedPrompt.prompts(inFileName: "you-entered,digit-4,digit-1.wav") == prompts)
        #expect(ComposedPrompt.fileName(for: Array(repeating: "digit-1", count: 33)) == nil)
        #expect(ComposedPrompt.fileName(for: ["../secret"]) == nil)
        #expect(ComposedPrompt.fileName(for: []) == nil)
        #expect(ComposedPrompt.prompts(inFileName: "a,,b.wav") == nil)
        #expect(ComposedPrompt.prompts(inFileName: "a,../b.wav") == nil)
        #expect(ComposedPrompt.prompts(inFileName: "a,b.mp3") == nil)
    }

    @Test func aPlayURLNamesItsPromptsComposedOrNot() {
        #expect(ComposedPrompt.promptNames(inURL: "https://x.example/audio/welcome.wav") == ["welcome"])
        #expect(ComposedPrompt.promptNames(inURL: "https://x.example/audio/compose/you-entered,digit-4.wav") == ["you-entered", "digit-4"])
        // Not a valid composition: read as one (odd) name rather than guessed apart.
        #expect(ComposedPrompt.promptNames(inURL: "https://x.example/audio/compose/a,,b.wav") == ["a,,b"])
    }

    @Test func joinedSamplesMakeAPlayableWAV() throws {
        let wav = ComposedPrompt.wav(joining: [[1, 2, 3, 4], [5, 6]])
        let format = try WAVFormat(bytes: wav)
        #expect(format.isPlayableBySipgate)
        #expect(format.dataBytes == 6)
        #expect(Array(wav[format.dataOffset...]) == [1, 2, 3, 4, 5, 6])
    }

    @Test func aSensitiveCollectionCannotBeReadBack() {
        enum S: String, FlowState { case pin }
        let flow = Flow("s", states: S.self, start: .pin) {
            Collect(.pin, into: "pin", digits: 4...4, prompt: "ok", next: .hangup).sensitive().confirm(readBack: "ok", ask: "ok")
        }
        let problems = flow.compile(in: CompileEnvironment(publicURL: try! AbsoluteURL("https://x.example"))).1.map(\.description)
        #expect(
            problems == ["s.pin: a sensitive collection cannot be read back: its digits would appear in the audio URLs sipgate fetches"])
    }

    /// Coverage and diagrams list only edges a call can take: when the handlers' own limits
    /// end every turn before the attempts are used up, there is no "attempts exhausted".
    @Test func attemptsExhaustedIsAnEdgeOnlyWhereFailuresCanUseUpTheAttempts() throws {
        enum Desk: String, FlowState { case menu, pin, number, done }
        let flow = Flow("desk", states: Desk.self, start: .menu) {
            Menu(.menu, prompt: "menu") {
                Key("1", .go(.pin))
                Key("2", .go(.number))
                NoInput(play: "no-input", limit: 1, then: .hangup)
                WrongKey(play: "invalid-option", limit: 1, then: .hangup)
            }
            .attempts(3, then: .voicemail)
            Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.done)) {
                NoInput(play: "no-input", limit: 1, then: .hangup)
                WrongKey(play: "pin-invalid", limit: 1, then: .hangup)
            }
            .attempts(3, then: .voicemail)
            // Not confirming a read-back is a failure no handler limits: the attempts can run out.
            Collect(.number, into: "number", digits: 2...3, prompt: "enter-number", next: .go(.done)) {
                NoInput(play: "no-input", limit: 1, then: .hangup)
                WrongKey(play: "invalid", limit: 1, then: .hangup)
            }
            .confirm(readBack: "you-entered", ask: "press-1-if-correct")
            .attempts(3, then: .voicemail)
            Announce(.done, play: "thanks", then: .hangup)
        }
        let (compiled, problems) = flow.compile(in: CompileEnvironment(publicURL: try AbsoluteURL("https://ivr.example.com")))
        #expect(problems.isEmpty)
        let exhausted = compiled.edges.filter { $0.label == .attemptsExhausted }.map { compiled.stateName($0.from) }
        #expect(exhausted == ["number"])
    }
}
