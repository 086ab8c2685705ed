import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// The hotline speaks German to German numbers and English to the others; 8 and 9 in the
/// main and quick menus switch.
@Suite struct HotlineLanguageTests {
    @Test func aGermanCallerHearsGermanPrompts() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 10:00")
        let call = await phone.call(
            from: "4930123456", forcing: .mainMenu, language: "de", hears: .prompts("welcome", "main-menu").in("de"))
        await call.press(
            "5",
            hears: CallerHears(prompts: ["invalid-option", "main-menu-short"], then: .waitsForKeys(digits: 1, timeout: .seconds(5))).in(
                "de"))
        await call.press("1", hears: .dial("4915799912345", "4915799912346", after: "connecting").in("de"))
    }

    @Test func anEnglishCallerHearsEnglishAndCanSwitchToGerman() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 10:00")
        let call = await phone.call(forcing: .quickMenu, language: "en", hears: .prompts("welcome", "quick-menu").in("en"))
        await call.press("8", hears: .prompts("quick-menu").in("de"))
        #expect(call.state.variables[Language.variable] == "de")
        await call.press("9", hears: .prompts("quick-menu").in("en"))
        #expect(call.state.variables[Language.variable] == "en")
        await call.press("0", hears: .dial("4921199999999", after: "connecting-operator").in("en"))
        call.expectTranscript(
            """
            < play [en] welcome, quick-menu (waiting for 1 digit, 5 s)
            > 8
            < play [de] quick-menu         (waiting for 1 digit, 5 s)
            > 9
            < play [en] quick-menu         (waiting for 1 digit, 5 s)
            > 0
            < play [en] connecting-operator, then dial 4921199999999
            """)
    }

    @Test func theMainMenuSwitchesBothWaysAndKeepsTheCallersShare() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 10:00")
        let call = await phone.call(forcing: .mainMenu, language: "de", hears: .prompts("welcome", "main-menu").in("de"))
        await call.press("9", hears: .prompts("main-menu").in("en"))
        await call.press("2", hears: .prompts("support-menu").in("en"))
        await call.press("8", hears: .prompts("main-menu").in("en"))
        await call.press("8", hears: .prompts("main-menu").in("de"))
        await call.silence(
            hears: CallerHears(prompts: ["no-input", "main-menu-short"], then: .waitsForKeys(digits: 1, timeout: .seconds(5))).in("de"))
    }

    @Test func threeHandsAGermanCallerToTheAccountLineInGerman() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 10:00")
        let call = await phone.call(forcing: .mainMenu, language: "de", hears: .prompts("welcome", "main-menu").in("de"))
        await call.press("3", hears: pinTurn("account-welcome", "enter-pin").in("de")) {
            $0.state = "pin"
            $0.handedTo = "account-line"
        }
        #expect(call.state.handedTo == "account-line" && call.state.variables[Language.variable] == "de")
        await call.press("2580#", hears: customerTurn("enter-customer-number").in("de"))
        // A slow directory: held in German too.
        phone.stubLookup(AccountLineState.lookup, .after(.seconds(20), .answer(AccountFound.blocked)))
        await call.press("4170007#", hears: readBack("4170007").in("de"))
        await call.press("1", hears: AccountLineTests.held.in("de"))
        phone.advanceClock(by: .seconds(20))
        await call.silence(hears: .dial(accountTeamNumber, after: "status-blocked").in("de"))
    }

    @Test func threeHandsAnEnglishCallerToTheAccountLineInEnglish() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 10:00")
        let call = await phone.call(forcing: .mainMenu, language: "de", hears: .prompts("welcome", "main-menu").in("de"))
        await call.press("9", hears: .prompts("main-menu").in("en"))
        await call.press("3", hears: pinTurn("account-welcome", "enter-pin").in("en"))
        #expect(call.state.handedTo == "account-line")
        #expect(call.state.variables[Language.variable] == "en")
    }

    @Test func afterHoursAnEnglishCallerIsAskedForAMessageInEnglish() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        phone.setClock(to: "2026-12-01 20:00")
        await phone.call(language: "en", hears: .voicemail(after: "after-hours").in("en"))
        await phone.call(language: "de", hears: .voicemail(after: "after-hours").in("de"))
    }

    @Test func theGraphDrawsTheLanguageKeys() throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        let flow = try #require(phone.flow(named: "hotline"))
        #expect(flow.languages == ["de", "en"])
        let text = FlowDiagram.mermaid(flow)
        #expect(text.contains("key 9, language en"))
        #expect(text.contains("key 8, language de"))
    }
}
