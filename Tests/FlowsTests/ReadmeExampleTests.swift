import Flows
import Testing
import TouchtoneTesting

/// The example of README.md's "Testing your flows", verbatim: if it breaks, the README is wrong.
@Test func readmeExample_supportIsTwoKeysAway() async throws {
    let phone = try TestPhone(routes: routes, prompts: AudioFolder(path: "Audio"))
    let call = await phone.call(
        to: "4921100000", forcing: .share("mainMenu", of: Hotline.menuSplit),
        hears: .prompts("welcome", "main-menu")
    ) {
        $0.state = "mainMenu"
        $0.variables = ["language": "de", "split.menuSplit": "mainMenu"]
    }
    await call.silence(hears: .prompts("no-input", "main-menu-short")) {
        $0.noInputs = 1
    }
    await call.press("2", hears: .prompts("support-menu")) {
        $0.state = "supportMenu"
        $0.noInputs = 0
        $0.trail = ["mainMenu"]
    }
    await call.press("1", hears: .dial("4915799912347", "4915799912348", "4915799912349", after: "connecting")) {
        $0.state = "technical"
        $0.trail = ["mainMenu", "supportMenu"]
        $0.finished = true
    }
    call.expectTranscript(
        """
        < play [de] welcome, main-menu (waiting for 1 digit, 5 s)
        > (silence)
        < play [de] no-input, main-menu-short (waiting for 1 digit, 5 s)
        > 2
        < play [de] support-menu       (waiting for 1 digit, 5 s)
        > 1
        < play [de] connecting, then dial 4915799912347, 4915799912348, 4915799912349
        """)
}

enum Shop: String, FlowState {  // the states: a typo in a target does not compile
    case entry, menu, orders, closed
}

let shopHours = OpeningHours(zone: "Europe/Berlin") {
    Open(.monday ... .friday, from: "09:00", to: "17:00")
    Closed(on: .germany)  // German public holidays, any year
}

let shop = Flow("shop", version: 1, states: Shop.self, start: .entry) {
    Decide(.entry) {
        When(.from(["4915100000666"]), .reject(.busy))
        When(.closed(shopHours), .go(.closed))
        Otherwise(.go(.menu))
    }
    Menu(.menu, prompt: ["welcome", "shop-menu"]) {
        Key("1", .go(.orders))
        Key("2", .transfer(to: "4921199999999", "4921199999998"))  // rings both at once
        Key("9", .voicemail)
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .reprompts("shop-menu-short")
    .attempts(3, then: .voicemail)
    Announce(.orders, play: "connecting", then: .transfer(to: "4921199999997"))
    Announce(.closed, play: "after-hours", then: .voicemail)
}

/// The flow example of README.md's "Writing a flow", verbatim (prompts aside).
@Test func readmeExample_theShopFlowCompilesWithoutProblems() throws {
    let problems = Engine.check(
        RoutingTable { Route.default(shop) },
        environment: CompileEnvironment(publicURL: try AbsoluteURL("https://ivr.example.com")))
    #expect(problems == [])
}

// MARK: - README.md's "A look-up", verbatim

enum Orders: String, FlowState {
    case entry, identify, known, stranger
}

enum Caller: String, LookupOutcome {  // every way the look-up can end well
    case known, stranger
}

/// The CRM of the example: knows one caller.
struct ExampleCRM: Sendable {
    func name(of number: String) async throws -> String? { number == "4915112345678" ? "Ada" : nil }
}

let crm = ExampleCRM()

let orders = Flow("orders", states: Orders.self, start: .entry) {
    Announce(.entry, play: "welcome", then: .go(.identify))
    Lookup(.identify, outcomes: Caller.self, deadline: .seconds(2), fallback: .go(.stranger)) { call in
        guard let name = try await crm.name(of: call.call.from) else { return .init(.stranger) }
        return .init(.known, setting: ["name": name])
    } then: { caller in  // one case per outcome, or it does not compile
        switch caller {
        case .known: .go(.known)
        case .stranger: .go(.stranger)
        }
    }
    Announce(.known, play: "connecting", then: .transfer(to: "4921199999997"))
    Announce(.stranger, play: "connecting", then: .transfer(to: "4921199999999"))
}

@Test func readmeExample_aLookUpLeadsWhereItsOutcomeSays() async throws {
    let phone = try TestPhone(flow: orders, prompts: AudioFolder(path: "Audio"))
    phone.exhaustivity = .off
    let known = await phone.call(from: "4915112345678", hears: .dial("4921199999997", after: "welcome", "connecting"))
    known.expectTranscript(
        """
        < play welcome, connecting, then dial 4921199999997
        """)
    _ = await phone.call(from: "4930111111111", hears: .dial("4921199999999", after: "welcome", "connecting"))
    phone.stubLookup(Orders.identify, .fail("CRM down"))
    _ = await phone.call(from: "4915112345678", hears: .dial("4921199999999", after: "welcome", "connecting"))
    phone.stubLookup(Orders.identify, .late)
    _ = await phone.call(from: "4915112345678", hears: .dial("4921199999999", after: "welcome", "connecting"))
    phone.stubLookup(Orders.identify, answer: Caller.known, setting: ["name": "Ada"])
    _ = await phone.call(from: "4930111111111", hears: .dial("4921199999997", after: "welcome", "connecting")) {
        $0.variables = ["name": "Ada"]
    }
    phone.expectFullCoverage(of: "orders")
}
