import FoundationEssentials
import Testing

@testable import Touchtone

/// The states of the holding look-up's flow.
enum Held: String, FlowState { case account, found, operatorDesk }

/// The outcomes of the holding look-up.
enum AccountFound: String, LookupOutcome { case found }

/// A flow whose look-up holds the caller after 1.5 s, for up to 60 s; 0 stops waiting.
func heldFlow(
    after: Duration = .milliseconds(1500), every: Duration = .seconds(8), deadline: Duration = .seconds(60),
    @HoldKeysBuilder<Held> keys: () -> [Key<Held>] = { [Key("0", .go(.operatorDesk))] }
) -> Flow<Held> {
    Flow("held", states: Held.self, start: .account) {
        Lookup(.account, outcomes: AccountFound.self, deadline: deadline, fallback: .go(.operatorDesk)) { _ in
            .init(.found)
        } then: { _ in
            .go(.found)
        }
        .holding(after: after, play: "please-hold", every: every, keys: keys)
        Announce(.found, play: "found", then: .hangup)
        Announce(.operatorDesk, play: "operator", then: .transfer(to: "4921199999999"))
    }
}

/// The prompts of the holding flow.
let heldPrompts: Set<String> = ["please-hold", "found", "operator"]

@Suite struct LookupHoldTests {
    let environment = CompileEnvironment(publicURL: try! AbsoluteURL("https://ivr.example.com"), prompts: FakePrompts(good: heldPrompts))

    func compiled(_ flow: Flow<Held>) -> (CompiledFlow, [String]) {
        let (compiled, problems) = flow.compile(in: environment)
        return (compiled, problems.map(\.description))
    }

    /// The compiled hold of the flow's look-up.
    func hold(_ flow: Flow<Held>) throws -> HoldNode {
        guard case .lookup(let node) = compiled(flow).0.nodes[0], let hold = node.hold else { throw HoldMissing() }
        return hold
    }

    struct HoldMissing: Error {}

    @Test func aHoldingLookupMayWaitLongerThanSipgate() throws {
        #expect(compiled(heldFlow()).1 == [])
        let hold = try hold(heldFlow())
        #expect(hold.after == .milliseconds(1500))
        #expect(hold.timeoutMilliseconds == 8000)
        #expect(hold.maxDigits == 1)
        #expect(hold.turn.prepared != nil)
    }

    @Test func holdTimesAndKeysAreChecked() {
        #expect(
            compiled(heldFlow(after: .seconds(9))).1 == [
                "held.account: a hold starts after more than 0 s and at most 8.0 seconds, not 9.0 seconds"
            ]
        )
        #expect(
            compiled(heldFlow(after: .seconds(2), deadline: .seconds(2))).1 == [
                "held.account: a hold that starts after 2.0 seconds never plays: the deadline is 2.0 seconds"
            ])
        #expect(
            compiled(heldFlow(every: .milliseconds(500))).1 == ["held.account: a hold comes back every 1 s to 8.0 seconds, not 0.5 seconds"]
        )
        #expect(
            compiled(heldFlow(deadline: .seconds(300))).1 == [
                "held.account: look-up deadline 300.0 seconds is longer than a caller is held (at most 120.0 seconds)"
            ])
        let keys = heldFlow {
            Key("0", .go(.operatorDesk))
            Key("0", .hangup)
            Key("9", .go(.account))
            Key("x", .hangup)
            Key("1", .hangup)
            Key("12", .hangup)
        }
        // The keys are checked as a menu's are (one Gather of the longest key's digits).
        #expect(
            compiled(keys).1 == [
                "held.account: hold key 0 is used more than once",
                "held.account: hold key \"x\" has characters that are not on a keypad (0-9 * # A-D)",
                "held.account: hold key 1 is the start of a longer key; the caller can never choose it before the timeout",
                "held.account: hold key 9 leads back to the look-up itself",
                "held.account: loops without waiting for the caller: account -> account",
            ])
    }

    @Test func aLookupThatDoesNotHoldStaysUnderEightSeconds() {
        let flow = Flow("plain", states: Held.self, start: .account) {
            Lookup(.account, outcomes: AccountFound.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
                .init(.found)
            } then: { _ in
                .go(.found)
            }
            Announce(.found, play: "found", then: .hangup)
            Announce(.operatorDesk, play: "operator", then: .hangup)
        }
        #expect(
            flow.compile(in: environment).1.map(\.description) == [
                "plain.account: look-up deadline 60.0 seconds is too close to sipgate's 10 s limit (at most 8.0 seconds)"
            ])
    }

    @Test func theGraphDrawsTheHoldAndItsKeys() {
        let labels = compiled(heldFlow()).0.edges.filter { $0.from == 0 }.map { "\($0.label) -> \($0.target)" }
        #expect(labels.contains("held -> account"))
        #expect(labels.contains("key 0 (holding) -> operatorDesk"))
        #expect(labels.contains("result found -> found"))
        #expect(labels.contains("deadline passed -> operatorDesk"))
    }
}

/// The diagram of a holding look-up draws the hold and its keys.
@Suite struct HoldDiagramTests {
    @Test func mermaidDrawsTheHoldAsALoopAndItsKeys() throws {
        let (flow, problems) = heldFlow().compile(in: CompileEnvironment(publicURL: try AbsoluteURL("http://localhost")))
        #expect(problems == [])
        let mermaid = FlowDiagram.mermaid(flow)
        // s0 is the look-up, s2 the operator desk.
        #expect(mermaid.contains(#"s0 -->|"held"| s0"#), "\(mermaid)")
        #expect(mermaid.contains(#"s0 -->|"key 0 (holding)"| s2"#), "\(mermaid)")
    }
}
