import FoundationEssentials
import Testing

@testable import Touchtone

private enum Trial: String, FlowState {
    case entry, split, long, short, bye
}

/// A flow whose calls are split 70/30 between two menus.
private func trialFlow(_ key: SplitKey = .caller, _ first: Int = 70, _ second: Int = 30) -> Flow<Trial> {
    Flow("trial", states: Trial.self, start: .entry) {
        Announce(.entry, play: "welcome", then: .go(.split))
        Split(.split, by: key) {
            Share(first, .go(.long))
            Share(second, .go(.short))
        }
        Menu(.long, prompt: "long-menu") { Key("1", .go(.bye)) }
        Menu(.short, prompt: "short-menu") { Key("1", .go(.bye)) }
        Announce(.bye, play: "goodbye", then: .hangup)
    }
}

@Suite("A/B splits")
struct SplitTests {
    let environment = CompileEnvironment(publicURL: try! AbsoluteURL(testBase))

    @Test func sharesThatDoNotAddUpTo100AreRefusedWithEveryProblem() {
        let flow = Flow("bad", states: Trial.self, start: .split) {
            Split(.split) {
                Share(0, .go(.long))
                Share(60, .go(.short))
                Share(30, .go(.short))
            }
            Menu(.long, prompt: "m") { Key("1", .hangup) }
            Menu(.short, prompt: "m") { Key("1", .hangup) }
        }
        let problems = flow.compile(in: environment).1.map(\.description)
        #expect(problems.contains { $0.contains("split") && $0.contains("share long is 0%: a share is 1 to 100 percent") })
        #expect(problems.contains { $0.contains("two shares are named short") })
        #expect(problems.contains { $0.contains("the shares add up to 90%, not 100%") })
    }

    @Test func sharesCanBeNamedApartWhenTheyGoTheSameWay() {
        let flow = Flow("named", states: Trial.self, start: .split) {
            Split(.split) {
                Share(50, .go(.long), named: "control")
                Share(50, .go(.long), named: "treatment")
            }
            Menu(.long, prompt: "m") { Key("1", .hangup) }
        }
        #expect(flow.compile(in: environment).1.isEmpty)
    }

    @Test func theSameCallerAlwaysGetsTheSameShareAndTheSharesFollowTheirWeights() throws {
        let engine = try makeEngine(RoutingTable { Route.default(trialFlow()) })
        var long = 0
        for number in 0..<2000 {
            let from = "49151\(10_000_000 + number * 7919)"
            let (first, record) = answerOf(engine, newCall(CallID("a\(number)"), from: from))
            let (again, _) = answerOf(engine, newCall(CallID("b\(number)"), from: from))
            #expect(heard(first) == heard(again))
            if heard(first) == ["welcome", "long-menu"] {
                long += 1
                #expect(record.variant == "split=long")
            } else {
                #expect(record.variant == "split=short")
            }
        }
        // FNV-1a over fixed numbers: the count is fixed too; it must be near 70%.
        #expect((1300...1500).contains(long), "\(long) of 2000 in the 70% share")
    }

    @Test func aSplitByCallSharesOutEachCallOnItsOwnAndAnonymousCallersByCall() throws {
        for (key, from) in [(SplitKey.call, "4915112345678"), (.caller, "anonymous")] {
            let engine = try makeEngine(RoutingTable { Route.default(trialFlow(key, 50, 50)) })
            var menus = Set<[String]>()
            for number in 0..<40 { menus.insert(heard(answerOf(engine, newCall(CallID("c\(number)"), from: from)).0)) }
            #expect(menus.count == 2, "\(key) from \(from)")
        }
    }

    @Test func theShareIsKeptInTheSessionAndNamedOnEveryLaterPush() throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(RoutingTable { Route.default(trialFlow()) }, store: store)
        let (_, started) = answerOf(engine, newCall("kept"))
        let share = try #require(store.session("kept")?.variables["split.split"])
        #expect(Split<Trial>.variable(for: .split) == "split.split")
        #expect(started.started && started.variant == "split=\(share)")
        #expect(started.trace.map(\.label) == [.next, .share(share, percent: share == "long" ? 70 : 30)])
        let (_, pressed) = answerOf(engine, dtmf("1", "kept"))
        #expect(pressed.variant == "split=\(share)")
        #expect(pressed.ending == .hangup && pressed.endingState == "bye")
    }

    @Test func aShareSetBeforeTheSplitIsKept() throws {
        let flow = trialFlow()
        let (compiled, _) = flow.compile(in: environment)
        guard case .split(let node) = compiled.nodes[Int(compiled.stateIndex(named: "split")!)] else {
            Issue.record("not a split")
            return
        }
        var variables = Variables()
        variables.set("split.split", to: "short")
        for number in 0..<50 {
            let context = CallContext(
                callId: CallID("x\(number)"),
                call: CallData(NewCallEvent(callId: "x", from: "4915\(number)", to: "1", direction: .incoming)),
                variables: variables, now: Date(timeIntervalSince1970: 0))
            #expect(node.shares[node.share(for: context)].name == "short")
        }
    }

    @Test func aCallCanBeFoundForEveryShare() throws {
        let (compiled, _) = trialFlow().compile(in: environment)
        #expect(compiled.splitShares.map(\.state) == ["split"])
        #expect(compiled.splitShares.first?.shares == ["long", "short"])
        let engine = try makeEngine(RoutingTable { Route.default(trialFlow()) })
        for share in ["long", "short"] {
            let landing = try #require(compiled.call(landingIn: share, atSplit: "split", from: "4915112345678", callId: "id"))
            #expect(landing.from.hasPrefix("491511234") && landing.from.count == 13)
            #expect(heard(answerOf(engine, newCall(CallID("land-\(share)"), from: landing.from)).0) == ["welcome", "\(share)-menu"])
        }
        #expect(compiled.call(landingIn: "nope", atSplit: "split", from: "4915112345678", callId: "id") == nil)
    }

    @Test func theDiagramDrawsTheSplitWithItsShares() {
        let (compiled, _) = trialFlow().compile(in: environment)
        let mermaid = FlowDiagram.mermaid(compiled)
        #expect(mermaid.contains("[/\"split\"\\]"))
        #expect(mermaid.contains("|\"share long (70%)\"|"))
        #expect(mermaid.contains("|\"share short (30%)\"|"))
        #expect(FlowDiagram.dot(compiled).contains("shape=trapezium"))
    }

    @Test func twoSplitsInOneCallAreBothNamed() throws {
        enum Two: String, FlowState { case first, second, a, b }
        let flow = Flow("two", states: Two.self, start: .first) {
            Split(.first, by: .call) {
                Share(50, .go(.second), named: "x")
                Share(50, .go(.second), named: "y")
            }
            Split(.second, by: .call) {
                Share(50, .go(.a))
                Share(50, .go(.b))
            }
            Menu(.a, prompt: "m") { Key("1", .hangup) }
            Menu(.b, prompt: "m") { Key("1", .hangup) }
        }
        let engine = try makeEngine(RoutingTable { Route.default(flow) })
        var seen = Set<String>()
        for number in 0..<60 {
            let (_, record) = answerOf(engine, newCall(CallID("two-\(number)")))
            seen.insert(record.variant ?? "none")
        }
        #expect(seen == ["first=x,second=a", "first=x,second=b", "first=y,second=a", "first=y,second=b"])
    }

    @Test func aSplitOfMoreThan15SharesIsRefused() {
        enum Many: String, FlowState { case split, end }
        let flow = Flow("many", states: Many.self, start: .split) {
            Split(.split) {
                for share in 0..<20 { Share(5, .go(.end), named: "s\(share)") }
            }
            Menu(.end, prompt: "m") { Key("1", .hangup) }
        }
        #expect(flow.compile(in: environment).1.map(\.description).contains { $0.contains("a split has at most 15 shares, not 20") })
    }
}
