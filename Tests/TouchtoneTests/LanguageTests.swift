import FoundationEssentials
import Testing

@testable import Touchtone

private enum Reception: String, FlowState {
    case identify, menu, desk
}

private enum Found: String, LookupOutcome {
    case known
}

/// A flow in German and English whose look-up tells the caller's language (as a CRM would).
private func receptionFlow(language: String) -> Flow<Reception> {
    Flow("reception", states: Reception.self, start: .identify) {
        Lookup(.identify, outcomes: Found.self, fallback: .go(.menu)) { _ in
            LookupResult(.known, setting: ["language": language, "name": "Ada"])
        } then: { _ in
            .go(.menu)
        }
        Menu(.menu, prompt: "menu") {
            Key("1", .go(.desk))
        }
        Announce(.desk, play: "connecting", then: .handOff(to: "desk"))
    }
    .languages(["de", "en"], default: "de")
}

private enum HelpDesk: String, FlowState {
    case welcome
}

/// A flow that speaks English and French only: a German call handed to it hears its default.
private let desk = Flow("desk", states: HelpDesk.self, start: .welcome) {
    Menu(.welcome, prompt: "desk-welcome") {
        Key("1", .hangup)
    }
}
.languages(["en", "fr"], default: "en")

/// The reception (whose look-up finds `language`) for every call, and the desk it hands calls to.
private func routes(language: String) -> RoutingTable {
    RoutingTable {
        Route(to: "4921100009", flow: desk)
        Route.default(receptionFlow(language: language))
    }
}

/// The prompt URLs' paths under the test base: `/audio/en/menu.wav`.
private func paths(_ response: Response) -> [String] {
    var plays = response.plays
    if case .gather(let gather) = response.final, let play = gather.play { plays.append(play) }
    return plays.map { String($0.url.text.dropFirst(testBase.count)) }
}

@Suite("Languages")
struct LanguageTests {
    @Test func onlyShortLowerCaseCodesWithAnOptionalRegionAreLanguages() {
        for code in ["de", "en", "gsw", "en-GB", "en-us", "es-419", "zh-Hant"] {
            #expect(Language.isValid(code), "\(code)")
        }
        for code in ["", "d", "DE", "De", "deut", "de-", "de-G", "de-ABCDEFGHI", "de_DE", "..", "de/..", "../de", "de.", " de", "é"] {
            #expect(!Language.isValid(code), "\(code)")
        }
    }

    @Test func aLookUpSettingTheLanguageSwitchesTheCallsPrompts() async throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(routes(language: "en"), store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall("l1")) else {
            Issue.record("expected a look-up")
            return
        }
        let (response, record) = await pending.run()
        #expect(paths(response.response) == ["/audio/en/menu.wav"])
        #expect(record.stateAfter == "menu")
        #expect(store.session("l1")?.variables["language"] == "en")
        #expect(store.session("l1")?.variables["name"] == "Ada")
    }

    @Test func aLookUpNamingALanguageTheFlowDoesNotSpeakLeavesTheDefault() async throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(routes(language: "fr"), store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall("l2")) else {
            Issue.record("expected a look-up")
            return
        }
        let (response, record) = await pending.run()
        #expect(paths(response.response) == ["/audio/de/menu.wav"])
        #expect(record.note == "language fr is not one the flow speaks")
        #expect(store.session("l2")?.variables["language"] == nil)
    }

    @Test func aLookUpNamingALanguageTheFlowDoesNotSpeakKeepsTheOneTheCallerChose() async throws {
        let store = InMemorySessionStore()
        let engine = try makeEngine(routes(language: "fr"), store: store)
        // The caller chose English before the look-up (as a key press would have).
        guard case .lookup(let pending, _) = engine.handle(newCall("l3")) else {
            Issue.record("expected a look-up")
            return
        }
        try #require(store.update("l3") { $0.variables.set("language", to: "en") } != nil)
        let (response, record) = await pending.run()
        #expect(paths(response.response) == ["/audio/en/menu.wav"])
        #expect(record.note == "language fr is not one the flow speaks")
        #expect(store.session("l3")?.variables["language"] == "en")
    }

    @Test func aHandedOverCallKeepsItsLanguageOrHearsTheOtherFlowsDefault() async throws {
        for (language, heard) in [("en", "/audio/en/desk-welcome.wav"), ("de", "/audio/en/desk-welcome.wav")] {
            let id = CallID("h-\(language)")
            let store = InMemorySessionStore()
            let engine = try makeEngine(routes(language: language), store: store)
            guard case .lookup(let pending, _) = engine.handle(newCall(id)) else {
                Issue.record("expected a look-up")
                return
            }
            _ = await pending.run()
            let (response, record) = answerOf(engine, dtmf("1", id))
            #expect(paths(response) == ["/audio/\(language)/connecting.wav", heard], "\(language)")
            #expect(record.flow == "desk" && record.handedFrom.map(\.flow) == ["reception"])
            // The hand-off keeps the variable, even where the other flow does not speak the language.
            #expect(store.session(id)?.variables["language"] == language)
        }
    }
}
