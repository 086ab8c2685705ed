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

// README.md's "Holding the caller", verbatim: the same look-up, for a CRM that may take 45 s.

let patientOrders = Flow("patient-orders", states: Orders.self, start: .entry) {
    Announce(.entry, play: "welcome", then: .go(.identify))
    Lookup(.identify, outcomes: Caller.self, deadline: .seconds(45), fallback: .go(.stranger)) { call in
        guard let name = try await crm.name(of: call.call.from) else { return .init(.stranger) }
        return .init(.known, setting: ["name": name])
    } then: { caller in
        switch caller {
        case .known: .go(.known)
        case .stranger: .go(.stranger)
        }
    }
    .holding(after: .milliseconds(1500), play: "please-hold", every: .seconds(8)) {
        Key("0", .go(.stranger))  // stop waiting
    }
    Announce(.known, play: "connecting", then: .transfer(to: "4921199999997"))
    Announce(.stranger, play: "connecting", then: .transfer(to: "4921199999999"))
}

@Test func readmeExample_aSlowCRMHoldsTheCallerUntilItAnswers() async throws {
    let phone = try TestPhone(flow: patientOrders, prompts: AudioFolder(path: "Audio"))
    phone.stubLookup(Orders.identify, .after(.seconds(20), .answer(Caller.known, setting: ["name": "Ada"])))
    let call = await phone.call(hears: .prompts("welcome", "please-hold", timeout: .seconds(8))) { $0.state = "identify" }
    phone.advanceClock(by: .seconds(12))  // sipgate comes back after the hold's Gather
    await call.silence(hears: .prompts("please-hold", timeout: .seconds(8)))
    phone.advanceClock(by: .seconds(12))  // the CRM answered meanwhile
    await call.silence(hears: .dial("4921199999997", after: "connecting")) {
        $0.state = "known"
        $0.variables = ["name": "Ada"]
        $0.finished = true
    }
    call.expectTranscript(
        """
        < play welcome, please-hold    (waiting for 1 digit, 8 s)
        > (silence)
        < play please-hold             (waiting for 1 digit, 8 s)
        > (silence)
        < play connecting, then dial 4921199999997
        """)
}

// README.md's "A reusable piece of flow", verbatim: PIN entry written once, used by two flows.

/// PIN entry for any flow: four digits, kept out of logs, three tries, then `failed`.
@FlowBuilder<S>
func pinEntry<S: FlowState>(_ state: S, then next: Step<S>, failed: Step<S>) -> [StateDefinition<S>] {
    Collect(state, into: "pin", digits: 4...4, prompt: "enter-pin", next: next) {
        WrongKey(play: "pin-invalid")
    }
    .sensitive()
    .attempts(3, then: failed)
}

enum Voicemail: String, FlowState { case pin, messages }
enum Billing: String, FlowState { case menu, pin, invoices }

let voicemailBox = Flow("voicemail-box", states: Voicemail.self, start: .pin) {
    pinEntry(.pin, then: .go(.messages), failed: .hangup)
    Announce(.messages, play: "goodbye", then: .voicemail)
}

let billingLine = Flow("billing-line", states: Billing.self, start: .menu) {
    Menu(.menu, prompt: "account-menu") {
        Key("1", .go(.pin))
        Key("2", .handOff(to: "voicemail-box"))  // on to the other flow, same call
    }
    pinEntry(.pin, then: .go(.invoices), failed: .go(.menu))
    Announce(.invoices, play: "balance-is", then: .hangup)
}

@Test func readmeExample_onePinEntryServesTwoFlowsAndTheCallMovesBetweenThem() async throws {
    let phone = try TestPhone(
        routes: RoutingTable {
            Route(to: "4921100005", flow: voicemailBox)
            Route.default(billingLine)
        }, prompts: AudioFolder(path: "Audio"))
    let call = await phone.call(hears: .prompts("account-menu")) { $0.state = "menu" }
    await call.press("2", hears: .prompts("enter-pin", waitingFor: 4, timeout: .seconds(8))) {
        $0.state = "pin"
        $0.handedTo = "voicemail-box"
    }
    await call.press("12", hears: .prompts("pin-invalid", "enter-pin", waitingFor: 4, timeout: .seconds(8))) { $0.wrongKeys = 1 }
    await call.press("2580", hears: .voicemail(after: "goodbye")) {
        $0.state = "messages"
        $0.wrongKeys = 0
        $0.variables = ["pin": "2580"]
        $0.finished = true
    }
    // Coverage follows the call into the other flow: the PIN's edges count for voicemail-box.
    #expect(phone.coverageReport(of: "voicemail-box")?.missingEdges.contains { $0.contains("invalid input") } == false)
    #expect(phone.coverageReport(of: "billing-line")?.missingEdges.contains { $0.contains("key 2") } == false)
}
