import Testing
import TouchtoneTesting

enum Kiosk: String, FlowState {
    case menu, pin, lookup, known, stranger, bye
}

enum Found: String, LookupOutcome {
    case known
}

let kiosk = Flow("kiosk", states: Kiosk.self, start: .menu) {
    Menu(.menu, prompt: "menu") {
        Key("1", .go(.pin))
        Key("2", .go(.lookup))
        Key("0", .hangup)
    }
    .attempts(2, then: .go(.bye))
    Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .hangup).finishKey("#").sensitive()
    Lookup(.lookup, outcomes: Found.self, fallback: .go(.stranger)) { _ in
        .init(.known)
    } then: { _ in
        .go(.known)
    }
    Announce(.known, play: "hello", then: .hangup)
    Announce(.stranger, play: "who", then: .hangup)
    Announce(.bye, play: "bye", then: .hangup)
}

/// Collects the failures a phone reports instead of failing the test, to check them.
final class Failures: Sendable {
    private let list = Lock<[String]>([])
    func add(_ failure: TestFailure) { list.withLock { $0.append(failure.message) } }
    var messages: [String] { list.withLock { $0 } }
}

func capturingPhone() throws -> (TestPhone, Failures) {
    let phone = try TestPhone(flow: kiosk)
    let failures = Failures()
    phone.onFailure = { failures.add($0) }
    return (phone, failures)
}

@Suite struct TestPhoneTests {
    @Test func aCorrectTestReportsNothing() async throws {
        let (phone, failures) = try capturingPhone()
        let call = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
        await call.press("1", hears: .prompts("enter-pin", waitingFor: 5, timeout: .seconds(8))) {
            $0.state = "pin"
            $0.trail = ["menu"]
        }
        await call.press("1234#", hears: .hangup()) {
            $0.variables = ["pin": "1234"]
            $0.finished = true
        }
        #expect(call.lastXML.hasSuffix("<Hangup/></Response>"))
        await call.hangUp { $0.ended = true }
        #expect(call.lastXML.hasSuffix("<Response/>"))
        #expect(failures.messages == [])
        call.expectTranscript(
            """
            < play menu                    (waiting for 1 digit, 5 s)
            > 1
            < play enter-pin               (waiting for 5 digits, 8 s)
            > ****
            < hang up
            > (hang up: normalClearing)
            """)
        #expect(failures.messages == [])
    }

    @Test func whatTheCallerHearsIsCheckedWithAReadableMessage() async throws {
        let (phone, failures) = try capturingPhone()
        let call = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
        await call.press("2", hears: .prompts("hello")) {
            $0.state = "known"
            $0.trail = ["menu"]
            $0.finished = true
        }
        #expect(
            failures.messages == [
                """
                the caller heard something else (- expected, + actual):
                - play hello                   (waiting for 1 digit, 5 s)
                + play hello, then hang up
                """
            ])
    }

    @Test func anUnstatedStateChangeFailsWithADiff() async throws {
        let (phone, failures) = try capturingPhone()
        let call = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
        await call.silence(hears: .prompts("menu"))
        #expect(
            failures.messages == [
                """
                the call's state changed differently (- expected, + actual):
                  state: "menu"
                - noInputs: 0
                + noInputs: 1
                  wrongKeys: 0
                  variables: []
                  trail: []
                  answered: false
                  finished: false
                  ended: false
                """
            ])
    }

    @Test func exhaustiveStepsMustStateWhatTheCallerHears() async throws {
        let (phone, failures) = try capturingPhone()
        await phone.call { $0.state = "menu" }
        #expect(
            failures.messages == [
                "the step does not state what the caller hears; they heard: play menu                    (waiting for 1 digit, 5 s)"
            ])
    }

    @Test func nonExhaustiveStepsCheckOnlyWhatTheyState() async throws {
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        let call = await phone.call()
        await call.silence()
        await call.press("7") { $0.state = "menu" }
        #expect(failures.messages == [])
        await call.press("9") { $0.state = "menu" }
        #expect(failures.messages == ["the call's state changed differently (- expected, + actual):\n- state: \"menu\"\n+ state: \"bye\""])
    }

    @Test func transcriptMismatchesShowALineDiff() async throws {
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        let call = await phone.call()
        await call.press("0")
        call.expectTranscript(
            """
            < play menu                    (waiting for 1 digit, 5 s)
            > 1
            < hang up
            """)
        #expect(
            failures.messages == [
                """
                the transcript differs (- expected, + actual):
                  < play menu                    (waiting for 1 digit, 5 s)
                - > 1
                + > 0
                  < hang up
                """
            ])
    }

    @Test func lookupsCanBeStubbedToAnswerFailOrBeLate() async throws {
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        phone.stubLookup(Kiosk.lookup, answer: Found.known, setting: ["name": "Ada"])
        let found = await phone.call()
        await found.press("2", hears: .hangup(after: "hello")) { $0.variables = ["name": "Ada"] }
        phone.stubLookup(Kiosk.lookup, .fail("CRM down"))
        let failed = await phone.call()
        await failed.press("2", hears: .hangup(after: "who"))
        phone.stubLookup(Kiosk.lookup, .late)
        let late = await phone.call()
        await late.press("2", hears: .hangup(after: "who"))
        #expect(failures.messages == [])
        #expect(phone.engine.counters.lookupTimeouts == 1)
    }

    @Test func aStubThatAnswersWithAnotherLookUpsOutcomeFailsTheStep() async throws {
        enum Elsewhere: String, LookupOutcome { case found, known }
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        phone.stubLookup(Kiosk.lookup, answer: Elsewhere.found)
        let call = await phone.call()
        await call.press("2", hears: .hangup(after: "who"))
        // The same name in another enum is not the look-up's outcome either.
        phone.stubLookup(Kiosk.lookup, answer: Elsewhere.known)
        let again = await phone.call()
        await again.press("2", hears: .hangup(after: "who"))
        #expect(
            failures.messages == [
                "the stub of look-up lookup answers found, which is not one of its outcomes (known): the call took its fallback",
                "the stub of look-up lookup answers known, which is not one of its outcomes (known): the call took its fallback",
            ])
    }

    @Test func coverageNamesWhatNoCallReached() async throws {
        let (phone, _) = try capturingPhone()
        phone.exhaustivity = .off
        let call = await phone.call()
        await call.press("0")
        let report = try #require(phone.coverageReport(of: "kiosk"))
        #expect(report.statesCovered == 1)
        #expect(report.missingStates == ["pin", "lookup", "known", "stranger", "bye"])
        #expect(report.missingEdges.contains("menu -[key 1]-> pin"))
        #expect(report.missingEdges.contains("lookup -[deadline passed]-> stranger"))
        #expect(!report.missingEdges.contains("menu -[key 0]-> hang up"))
        #expect(report.description.hasPrefix("kiosk: 1 of 6 states, 1 of "))
    }

    @Test func clockAndExpiryAreUnderTheTestsControl() async throws {
        let phone = try TestPhone(flow: kiosk)
        phone.exhaustivity = .off
        let call = await phone.call()
        phone.advanceClock(by: .seconds(7201))
        #expect(phone.expireIdleSessions() == 1)
        await call.press("1", hears: .hangup()) { $0.ended = true }
    }

    @Test func thousandsOfCallsRunFast() async throws {
        let phone = try TestPhone(flow: kiosk)
        phone.exhaustivity = .off
        for _ in 0..<2000 {
            let call = await phone.call()
            await call.press("1")
            await call.press("4711#")
        }
        #expect(phone.engine.counters.eventsByType[.dtmf] == 4000)
    }
}

/// One test body, two ways to run it: straight into the engine, or over HTTP to a server.
func kioskScenario(_ phone: TestPhone) async {
    let call = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
    await call.press("7", hears: .prompts("menu")) { $0.wrongKeys = 1 }
    await call.press("1", hears: .prompts("enter-pin", waitingFor: 5, timeout: .seconds(8))) {
        $0.state = "pin"
        $0.wrongKeys = 0
        $0.trail = ["menu"]
    }
    await call.press("1234#", hears: .hangup()) {
        $0.variables = ["pin": "1234"]
        $0.finished = true
    }
    await call.hangUp { $0.ended = true }
}

@Suite struct LiveModeTests {
    @Test func theSameBodyRunsInMemory() async throws {
        let (phone, failures) = try capturingPhone()
        await kioskScenario(phone)
        #expect(failures.messages == [])
    }

    @Test func theSameBodyRunsAgainstARealServer() async throws {
        let phone = try TestPhone.live(routes: RoutingTable { Route.default(kiosk) })
        let failures = Failures()
        phone.onFailure = { failures.add($0) }
        await kioskScenario(phone)
        #expect(failures.messages == [])
    }
}

@Suite struct GoldenTranscriptTests {
    static let golden = "/" + #filePath.split(separator: "/").dropLast().joined(separator: "/") + "/Golden/kiosk-pin.txt"

    @Test func aTranscriptMatchesItsGoldenFile() async throws {
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        let call = await phone.call()
        await call.press("1")
        await call.press("9876#")
        call.expectTranscript(goldenFile: Self.golden)
        #expect(failures.messages == [])
    }

    @Test func aMissingGoldenFileSaysHowToWriteIt() async throws {
        let (phone, failures) = try capturingPhone()
        phone.exhaustivity = .off
        let call = await phone.call()
        call.expectTranscript(goldenFile: "/nonexistent/golden.txt")
        #expect(failures.messages == ["no golden file at /nonexistent/golden.txt; run with TOUCHTONE_RECORD=1 to write it"])
    }

    @Test func localTimesFollowTheZonesDaylightSaving() throws {
        let berlin = try Zone("Europe/Berlin")
        // 10:00 in summer is 08:00 UTC, in winter 09:00 UTC.
        #expect(try TestTime.date("2026-07-01 10:00", in: berlin).timeIntervalSince1970 == 1_782_892_800)
        #expect(try TestTime.date("2026-12-01 10:00", in: berlin).timeIntervalSince1970 == 1_796_115_600)
        #expect(throws: TimeValueError.self) { try TestTime.date("2026-12-01", in: berlin) }
    }
}
