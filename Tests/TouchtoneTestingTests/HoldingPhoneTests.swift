import FoundationEssentials
import Testing
import Touchtone
import TouchtoneTesting

/// The states of the desk whose account look-up holds the caller.
enum Desk: String, FlowState { case menu, account, found, operatorDesk }

/// The outcomes of the desk's account look-up.
enum DeskAccount: String, LookupOutcome { case found }

/// A desk whose account look-up may take a minute: after 1.5 s the caller hears
/// `please-hold`, sipgate comes back every 8 s, and 0 goes to the operator.
let desk = Flow("desk", states: Desk.self, start: .menu) {
    Menu(.menu, prompt: "menu") {
        Key("1", .go(.account))
    }
    Lookup(.account, outcomes: DeskAccount.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
        .init(.found)
    } then: { _ in
        .go(.found)
    }
    .holding(after: .milliseconds(1500), play: "please-hold", every: .seconds(8)) {
        Key("0", .go(.operatorDesk))
    }
    Announce(.found, play: "found", then: .hangup)
    Announce(.operatorDesk, play: "operator", then: .transfer(to: "4921199999999"))
}

@Suite struct HoldingPhoneTests {
    func phone() throws -> (TestPhone, Failures) {
        let phone = try TestPhone(flow: desk)
        let failures = Failures()
        phone.onFailure = { failures.add($0) }
        phone.exhaustivity = .off
        return (phone, failures)
    }

    let holding = CallerHears.prompts("please-hold", timeout: .seconds(8))

    @Test func aLateStubHoldsTheCallerUntilTheClockReachesIt() async throws {
        let (phone, failures) = try phone()
        phone.stubLookup(Desk.account, .after(.seconds(20), .answer(DeskAccount.found, setting: ["account": "7"])))
        let call = await phone.call(hears: .prompts("menu"))
        await call.press("1", hears: holding) { $0.state = "account" }
        phone.advanceClock(by: .seconds(8))
        await call.silence(hears: holding)
        phone.advanceClock(by: .seconds(8))
        await call.silence(hears: holding)
        phone.advanceClock(by: .seconds(8))
        await call.silence(hears: .hangup(after: "found")) {
            $0.state = "found"
            $0.variables = ["account": "7"]
        }
        #expect(failures.messages == [])
    }

    @Test func aStubLaterThanTheDeadlineSendsTheHeldCallToItsFallback() async throws {
        let (phone, failures) = try phone()
        phone.stubLookup(Desk.account, .after(.seconds(90), .answer(DeskAccount.found)))
        let call = await phone.call(hears: .prompts("menu"))
        await call.press("1", hears: holding)
        phone.advanceClock(by: .seconds(30))
        await call.press("7", hears: holding)
        phone.advanceClock(by: .seconds(30))
        await call.silence(hears: .dial("4921199999999", after: "operator"))
        #expect(failures.messages == [])
    }

    @Test func aHeldCallerPressesZeroForTheOperator() async throws {
        let (phone, failures) = try phone()
        phone.stubLookup(Desk.account, .after(.seconds(20), .fail("CRM slow")))
        let call = await phone.call(hears: .prompts("menu"))
        await call.press("1", hears: holding)
        phone.advanceClock(by: .seconds(3))
        await call.press("0", hears: .dial("4921199999999", after: "operator")) { $0.state = "operatorDesk" }
        await call.repeatLastPush()
        #expect(failures.messages == [])
        let report = try #require(phone.coverageReport(of: "desk"))
        #expect(report.missingEdges.contains("account -[held]-> account") == false)
        #expect(report.missingEdges.contains("account -[key 0 (holding)]-> operatorDesk") == false)
    }

    @Test func theExplorerWalksTheHoldItsKeysAndEachEndingAfterIt() async throws {
        let report = try await FlowExplorer(routes: RoutingTable { Route.default(desk) }).run()
        #expect(report.problems == [], "\(report)")
        #expect(report.statesReached["desk"] == ["menu", "account", "found", "operatorDesk"])
        // The hold answer and the answers after it are among the answers walked.
        #expect(report.answers.contains { $0.contains("please-hold.wav") })
    }

    @Test func aStubFasterThanTheHoldAnswersAtOnce() async throws {
        let (phone, failures) = try phone()
        phone.stubLookup(Desk.account, .after(.seconds(1), .answer(DeskAccount.found)))
        let call = await phone.call(hears: .prompts("menu"))
        await call.press("1", hears: .hangup(after: "found"))
        #expect(failures.messages == [])
    }
}
