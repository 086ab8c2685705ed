import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

/// The states of the flow whose look-up holds its caller over HTTP.
enum HeldLine: String, FlowState { case account, found, operatorDesk }

/// The outcome of that look-up.
enum HeldLineAccount: String, LookupOutcome { case found }

/// A slow look-up on a real server with the memory store: the push is answered with the
/// hold, and 0 goes to the operator. The work waits for a gate the test opens at the end,
/// so the hold is certain whatever the machine's load.
@Suite struct HoldOverHTTPTests {
    /// The flow, its look-up waiting for `gate`.
    static func heldLine(_ gate: Gate) -> Flow<HeldLine> {
        Flow("held-line", states: HeldLine.self, start: .account) {
            Lookup(.account, outcomes: HeldLineAccount.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
                await gate.wait()
                return .init(.found)
            } then: { _ in
                .go(.found)
            }
            .holding(after: .milliseconds(50), play: "menu") {
                Key("0", .go(.operatorDesk))
            }
            Announce(.found, play: "connecting", then: .hangup)
            Announce(.operatorDesk, play: "goodbye", then: .transfer(to: "4915799912345"))
        }
    }

    @Test func aSlowLookupAnswersItsPushWithTheHoldAndAHoldKeyLeavesIt() async throws {
        let gate = Gate()
        let flow = Self.heldLine(gate)
        let engine = try Engine(
            routes: RoutingTable { Route.default(flow) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        let logs = LogCapture()
        let (hold, operatorDesk) = try await offThePool {
            try withServer(engine: engine, logs: logs) { _, port in
                let caller = try TestClient(port: port, timeoutMilliseconds: 30_000)
                let hold = try labelled("the hold answer") { try post(caller, newCallBody) }
                let operatorDesk = try labelled("key 0 while held") {
                    try request(port, "POST", "/?f=held-line&t=0", headers: formType, body: dtmfBody("0"))
                }
                gate.open()
                return (hold, operatorDesk)
            }
        }
        #expect(hold.status == 200)
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")
        #expect(operatorDesk.text.contains("<Dial"), "\(operatorDesk.text)")
        #expect(logs.text.contains("holding: the look-up takes longer than"), "\(logs.text)")
        #expect(logs.text.contains("key 0 while held"), "\(logs.text)")
    }

    /// A stop whose grace ends while a caller is held gives the look-up up: the call keeps a
    /// failure (saved in the state file with the rest), so its next push takes the fallback.
    @Test func aStopGivesUpAHeldLookUpWhenItsGraceEnds() async throws {
        let gate = Gate()
        defer { gate.open() }
        let engine = try Engine(
            routes: RoutingTable { Route.default(Self.heldLine(gate)) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        let logs = LogCapture()
        let hold = try await offThePool {
            try withServer(engine: engine, logs: logs, { $0.limits.shutdownGrace = .milliseconds(100) }) { _, port in
                try post(TestClient(port: port, timeoutMilliseconds: 30_000), newCallBody)
            }
        }
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")
        let session = try #require(engine.store.session("123456"))
        #expect(session.phase == .holding && session.held?.failure == LookupEnding.stoppedReason)
        #expect(logs.text.contains("look-up given up: the instance stopped; the next push takes the fallback"), "\(logs.text)")
        guard case .answer(let fallback, _) = engine.handle(.dtmf(DTMFEvent(callId: "123456", digits: ""))) else {
            Issue.record("expected an answer")
            return
        }
        #expect(fallback.xml.contains("4915799912345"), "\(fallback.xml)")
    }
}
