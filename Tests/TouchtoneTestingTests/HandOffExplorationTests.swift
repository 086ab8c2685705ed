import Testing
import Touchtone
import TouchtoneTesting

private enum Reception: String, FlowState { case menu }
private enum Cashier: String, FlowState { case menu, paid }

private let reception = Flow("reception", states: Reception.self, start: .menu) {
    Menu(.menu, prompt: "menu") {
        Key("1", .voicemail)
        Key("2", .handOff(to: "cashier"))
    }
}

private let cashier = Flow("cashier", states: Cashier.self, start: .menu) {
    Menu(.menu, prompt: "pay") {
        Key("1", .go(.paid))
        Key("0", .handOff(to: "reception"))
    }
    Announce(.paid, play: "thanks", then: .hangup)
}

/// Exploration and coverage follow a call from one flow into the other.
@Suite struct HandOffExplorationTests {
    let routes = RoutingTable {
        Route(to: "4921100008", flow: cashier)
        Route.default(reception)
    }

    @Test func theExplorerWalksOnIntoTheFlowACallIsHandedTo() async throws {
        let report = try await FlowExplorer(routes: routes, callers: [.init(to: "4921100000")]).run()
        #expect(report.problems == [], "\(report)")
        #expect(report.statesReached["reception"] == ["menu"])
        #expect(report.statesReached["cashier"] == ["menu", "paid"])
    }

    @Test func aTestCoversBothFlowsOfAHandedCall() async throws {
        let phone = try TestPhone(routes: routes)
        let call = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
        await call.press("2", hears: .prompts("pay")) { $0.handedTo = "cashier" }
        await call.press("0", hears: .prompts("menu")) { $0.handedTo = nil }
        await call.press("2", hears: .prompts("pay")) { $0.handedTo = "cashier" }
        await call.press("1", hears: .hangup(after: "thanks")) {
            $0.state = "paid"
            $0.trail = ["menu"]
            $0.finished = true
        }
        let again = await phone.call(hears: .prompts("menu")) { $0.state = "menu" }
        await again.press("1", hears: .voicemail()) { $0.finished = true }
        // Every key of both flows was taken, the hand-offs included (silences and wrong keys were not tried).
        for flow in ["reception", "cashier"] {
            let missing = phone.coverageReport(of: flow)?.missingEdges ?? ["no report"]
            #expect(missing.allSatisfy { $0.contains("no input") || $0.contains("wrong key") || $0.contains("attempts") }, "\(missing)")
            #expect(phone.coverageReport(of: flow)?.missingStates == [])
        }
    }
}
