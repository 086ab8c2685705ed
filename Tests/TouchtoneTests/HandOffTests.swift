import FoundationEssentials
import Testing

@testable import Touchtone

private enum FrontDesk: String, FlowState {
    case welcome, menu, bye
}

private enum AccountDesk: String, FlowState {
    case greet, pin, account, back
}

/// The accountDesk: a greeting, then a PIN, then the account menu; 9 hands the call back to the frontDesk.
private let accountDesk = Flow("desk", states: AccountDesk.self, start: .greet) {
    Announce(.greet, play: "desk-greeting", then: .go(.pin))
    Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.account))
    Menu(.account, prompt: "account-menu") {
        Key("1", .voicemail)
        Key("9", .go(.back))
    }
    Announce(.back, play: "back-to-front", then: .handOff(to: "front", at: FrontDesk.menu))
}

/// The frontDesk: 3 hands the call to the accountDesk (its start), 4 straight to its account menu.
private let frontDesk = Flow("front", states: FrontDesk.self, start: .welcome) {
    Announce(.welcome, play: "welcome", then: .go(.menu))
    Menu(.menu, prompt: "menu") {
        Key("1", .go(.bye))
        Key("3", .handOff(to: "desk"))
        Key("4", .handOff(to: "desk", at: AccountDesk.account))
    }
    Announce(.bye, play: "goodbye", then: .hangup)
}

private let routes = RoutingTable {
    Route(to: "4921100002", flow: accountDesk)
    Route.default(frontDesk)
}

@Suite("Handing a call to another flow")
struct HandOffTests {
    @Test func aKeyHandsTheCallToTheOtherFlowsStartKeepingItsDataAndVariables() throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(routes, store: store)
        _ = answerOf(engine, newCall("h1"))
        try #require(store.update("h1") { $0.variables.set("customer", to: "42") } != nil)
        let (answer, record) = answerOf(engine, dtmf("3", "h1"))
        // The accountDesk's greeting and PIN prompt, in the answer to the key that left the frontDesk.
        #expect(heard(answer) == ["desk-greeting", "enter-pin"])
        #expect(answer.onAnswer?.text.contains("f=desk") == true)
        let session = try #require(store.session("h1"))
        #expect(session.flow == "desk" && session.flowVersion == 1)
        #expect(session.variables["customer"] == "42" && session.call.from == "4915111111111")
        // Two records: the frontDesk's ends with the hand-off, the accountDesk's starts the call.
        #expect(record.flow == "desk" && record.started && record.stateAfter == "pin")
        #expect(record.trace.map(\.label) == [.next])
        let left = try #require(record.handedFrom.first)
        #expect(record.handedFrom.count == 1)
        #expect(left.flow == "front" && !left.started && left.stateBefore == "menu")
        #expect(left.ending == .handOff && left.endingState == "menu")
        #expect(left.trace.map(\.label) == [.key("3")])
        #expect(left.digits == "3" && left.verb == "gather" && record.verb == "gather")
        // The call goes on in the accountDesk.
        let (pinned, _) = answerOf(engine, dtmf("1234", "h1"))
        #expect(heard(pinned) == ["account-menu"])
    }

    @Test func aHandOffCanNameTheStateAndHandBack() throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(routes, store: store)
        _ = answerOf(engine, newCall("h2"))
        let (account, _) = answerOf(engine, dtmf("4", "h2"))
        #expect(heard(account) == ["account-menu"])
        let (back, record) = answerOf(engine, dtmf("9", "h2"))
        #expect(heard(back) == ["back-to-front", "menu"])
        #expect(store.session("h2")?.flow == "front" && record.flow == "front" && record.started)
        #expect(record.handedFrom.map(\.flow) == ["desk"] && record.handedFrom.first?.ending == .handOff)
        #expect(record.handedFrom.first?.trace.map(\.label) == [.key("9"), .next])
    }

    @Test func aNewCallCanBeHandedOnAtOnce() throws {
        enum RouterState: String, FlowState { case start }
        let routerFlow = Flow("router", states: RouterState.self, start: .start) {
            Decide(.start) {
                When(.fromPrefix("4930"), .handOff(to: "desk"))
                Otherwise(.handOff(to: "front"))
            }
        }
        let table = RoutingTable {
            Route(to: "4921100009", flow: routerFlow)
            Route(to: "4921100002", flow: accountDesk)
            Route.default(frontDesk)
        }
        let engine = try makeEngine(table)
        let (answer, record) = answerOf(engine, newCall("h3", from: "493012345", to: "4921100009"))
        #expect(heard(answer) == ["desk-greeting", "enter-pin"])
        #expect(record.flow == "desk" && record.started)
        #expect(record.handedFrom.first?.flow == "router" && record.handedFrom.first?.started == true)
        #expect(record.handedFrom.first?.ending == .handOff && record.handedFrom.first?.endingState == "start")
    }

    @Test func aHandOffToAFlowNoRouteServesOrToAStateItLacksIsRefusedAtStart() {
        // `orphan` is no flow of the table at all.
        enum Lone: String, FlowState { case start }
        let lone = Flow("lone", states: Lone.self, start: .start) {
            Menu(.start, prompt: "m") {
                Key("1", .handOff(to: "orphan"))
                Key("2", .handOff(to: "desk", at: AccountDesk.back))
                Key("3", .handOff(HandOff(flow: "desk", state: "nowhere")))
            }
        }
        let table = RoutingTable {
            Route(to: "4921100002", flow: accountDesk)
            Route.default(lone)
        }
        let problems = Self.problems(table)
        #expect(problems.contains("lone.start: hands off to orphan, which no route of the table serves"))
        #expect(problems.contains("lone.start: hands off to desk at nowhere, which it does not define"))
        #expect(!problems.contains { $0.contains("at back") })
    }

    @Test func aFlowCannotHandOffToItself() {
        let selfish = Flow("front", states: FrontDesk.self, start: .menu) {
            Menu(.menu, prompt: "m") { Key("1", .handOff(HandOff(flow: "front"))) }
        }
        let problems = selfish.compile(in: CompileEnvironment(publicURL: try! AbsoluteURL(testBase))).1.map(\.description)
        #expect(problems.contains { $0.contains("hands off to its own flow front: use .go instead") })
    }

    @Test func theDiagramDrawsTheHandOff() throws {
        let (compiled, _) = frontDesk.compile(in: CompileEnvironment(publicURL: try AbsoluteURL(testBase)))
        let mermaid = FlowDiagram.mermaid(compiled)
        #expect(mermaid.contains("([\"hand off to desk\"])"))
        #expect(mermaid.contains("([\"hand off to desk (account)\"])"))
        #expect(compiled.edges.contains { $0.destination == "handoff" && $0.label == .key("3") })
    }

    static func problems(_ table: RoutingTable) -> [String] {
        do {
            _ = try makeEngine(table)
            return []
        } catch let error as FlowProblems {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func theFlowACallIsHandedToCountsItsOwnSilences() throws {
        enum Quiet: String, FlowState { case menu }
        enum Patient: String, FlowState { case menu }
        let quiet = Flow("quiet", states: Quiet.self, start: .menu) {
            Menu(.menu, prompt: "m") {
                Key("1", .hangup)
                NoInput(play: "again", limit: 2, then: .handOff(to: "patient"))
            }
        }
        let patient = Flow("patient", states: Patient.self, start: .menu) {
            Menu(.menu, prompt: "p") { Key("1", .hangup) }
                .attempts(5, then: .hangup)
        }
        .maxSilencesInARow(3)
        let engine = try makeEngine(
            RoutingTable {
                Route(to: "4921100003", flow: patient)
                Route.default(quiet)
            })
        _ = answerOf(engine, newCall("quiet"))
        _ = answerOf(engine, dtmf("", "quiet"))
        let (handed, record) = answerOf(engine, dtmf("", "quiet"))
        #expect(heard(handed) == ["p"] && record.flow == "patient")
        // Two silences in the first flow do not count in the second: its first one re-prompts.
        let (again, _) = answerOf(engine, dtmf("", "quiet"))
        #expect(heard(again) == ["p"])
    }

    @Test func aLookUpThatHandsOffToALookUpIsRefusedAtStart() {
        enum Caller: String, LookupOutcome { case known }
        enum First: String, FlowState { case find }
        enum Second: String, FlowState { case find, menu }
        let first = Flow("first", states: First.self, start: .find) {
            Lookup(.find, outcomes: Caller.self, fallback: .hangup) { _ in
                .init(.known)
            } then: { _ in
                .handOff(to: "second")
            }
        }
        let second = Flow("second", states: Second.self, start: .find) {
            Lookup(.find, outcomes: Caller.self, fallback: .hangup) { _ in
                .init(.known)
            } then: { _ in
                .go(.menu)
            }
            Menu(.menu, prompt: "m") { Key("1", .hangup) }
        }
        let table = RoutingTable {
            Route(to: "4921100004", flow: second)
            Route.default(first)
        }
        #expect(Self.problems(table).contains { $0.hasPrefix("first.find: a look-up leads to a hand-off to second, which runs a look-up") })
    }

    @Test func twoBranchesWithTheSameLabelAreCountedApart() throws {
        enum Fork: String, FlowState { case fork, a, b }
        let flow = Flow("fork", states: Fork.self, start: .fork) {
            Decide(.fork) {
                When(Condition("busy") { $0.call.from.hasPrefix("4930") }, .go(.a))
                When(Condition("busy") { $0.call.from.hasPrefix("4940") }, .go(.b))
                Otherwise(.go(.a))
            }
            Menu(.a, prompt: "a") { Key("1", .hangup) }
            Menu(.b, prompt: "b") { Key("1", .hangup) }
        }
        let engine = try makeEngine(RoutingTable { Route.default(flow) })
        let (_, record) = answerOf(engine, newCall("fork", from: "494012345"))
        let taken = try #require(Array(record.edges).first)
        let edge = try #require(record.flowGraph?.edges[Int(taken)])
        #expect(edge.destination == "b" && edge.label == EdgeLabel.branch("busy"))
    }
}
